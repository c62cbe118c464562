"""Crash safety at random times: a conversion under load is cut (a power
cut: QEMU SIGKILLed) a seeded random time after the journal is staged, or
cut during its resume (a double fault); `pv2luks resume` finishes it, and
stock cryptsetup then finds every LV and every acknowledged write.
PV2LUKS_CRASH_SEED replays a random cut time. Split from test_resume.py so
that the lab phase runs them side by side."""
import random

import pytest

from conversion_scenario import VERIFY_WITH_STOCK_CRYPTSETUP, assert_verified, field
from resume_scenario import CONVERT_THEN_CUT_AT_RANDOM, RESUME, SEED, cut_then_resume


@pytest.mark.parametrize("offset", [0, 1, 2])
def test_power_cut_at_a_seeded_random_time_then_resume(lab, tmp_path, offset):
    """The cut comes a seeded random time after the journal is staged (the
    guest prints the line the lab cuts on), anywhere in the move. Three
    seeds (SEED, SEED + 1, SEED + 2): with the five named points and the
    double fault's two, ten cut points in every run."""
    seed = SEED + offset
    delay = random.Random(seed).uniform(0, 12)
    print(f"PV2LUKS_CRASH_SEED={SEED} (+{offset}): power cut {delay:.2f} s after the journal is staged")
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    first = lab(CONVERT_THEN_CUT_AT_RANDOM.replace("__DELAY__", f"{delay:.2f}"), disk,
                extra=["--out", out, "--power-cut-on-line", "CUT NOW"])
    assert first.returncode == 0 and "power cut" in first.stderr, first.stderr
    assert "CONVERT exit" not in first.stdout, "the conversion ended before the cut"
    last = lab(RESUME.replace("__ENV__", "").replace("__AFTER__", VERIFY_WITH_STOCK_CRYPTSETUP),
               disk, extra=["--out", out])
    assert last.returncode == 0, last.stderr
    # A cut after the header and the journal's wipe, before convert printed
    # its exit, leaves a converted volume and nothing to resume (exit 4).
    finished = "already converted; nothing to resume" in last.stdout
    assert field(last.stdout, "RESUME exit") == ("4" if finished else "0"), last.stdout[-3000:]
    assert_verified(first.stdout, last.stdout)


def test_double_fault_a_cut_during_resume(lab, tmp_path):
    converted, resumed = cut_then_resume(
        lab, tmp_path, ["--power-cut-on-line", "test point: chunk-mirror 2"],
        resume_env="PV2LUKS_TEST_POINTS=1",
        cut_resume=["--power-cut-on-line", "test point: chunk-mirror 5"])
    assert_verified(converted, resumed)
