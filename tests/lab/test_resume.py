"""Crash safety at named points: a conversion under load is cut (a power
cut: QEMU SIGKILLed) at each named point of the conversion, from before the
first chunk to after the header write; `pv2luks resume` finishes it, and
stock cryptsetup then finds every LV and every acknowledged write.
test_resume_random_cuts.py cuts at seeded random times and during a resume,
test_resume_controls.py holds the negative controls: the cases are split
over three files so that the lab phase runs them side by side."""
import pytest

from conversion_scenario import assert_verified, field
from resume_scenario import cut_then_resume


@pytest.mark.parametrize("point, env", [
    ("staged", ""),                                   # before the first chunk
    ("chunk-mirror 4", ""),                           # mid-chunk
    ("chunk-done 8", ""),                             # the last chunk committed
    ("moved", ""),                                    # before the header write
    ("header-torn", "PV2LUKS_TEST_TORN_HEADER=1"),    # during the header write
    ("header-written", ""),                           # before autoactivation is back on
])
def test_power_cut_at_a_named_point_then_resume(lab, tmp_path, point, env):
    converted, resumed = cut_then_resume(
        lab, tmp_path, ["--power-cut-on-line", f"test point: {point}"], convert_env=env)
    assert f"test point: {point}" in converted
    assert "journal: phase" in resumed
    if not point.startswith("header"):  # the partition still starts with the PV's label
        assert "AUTOACT-BEFORE :pv2luks_converting" in resumed
        assert field(resumed, "AUTOACTIVATED") == "0", "the half-converted VG autoactivated"
    assert_verified(converted, resumed)
