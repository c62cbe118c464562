"""The negative controls of the crash-safety tests: with the autoactivation
guard left out, or with a chunk committed before its copy is in sync, the
same checks as test_resume.py's must catch the damage. Split from
test_resume.py so that the lab phase runs them side by side."""
from conversion_scenario import assert_verified, field
from resume_scenario import RESUME, convert_until_cut, cut_then_resume


def test_negative_control_without_the_autoactivation_guard_the_vg_autoactivates(lab, tmp_path):
    """The guard left out: after a cut mid-move, LVM's autoactivation (as a
    boot's udev rules run it) activates the VG from the half-converted
    partition, and the check of test_resume.py must see it."""
    disk, out, _ = convert_until_cut(lab, tmp_path, ["--power-cut-on-line", "test point: chunk-done 4"],
                                     "PV2LUKS_TEST_NO_AUTOACTIVATION_GUARD=1")
    last = lab(RESUME.replace("__ENV__", "").replace("__AFTER__", ""), disk, extra=["--out", out])
    assert last.returncode == 0, last.stderr
    assert "AUTOACT-BEFORE enabled:" in last.stdout
    assert int(field(last.stdout, "AUTOACTIVATED")) > 0
    # resume sees LVs on the partition itself and refuses to touch them.
    assert field(last.stdout, "RESUME exit") != "0"


def test_negative_control_a_chunk_committed_before_its_copy_is_caught(lab, tmp_path):
    """Chunk 4 (in the cold LV) is committed before the mirror syncs it, and
    the power is cut right then: resume believes the copy and skips it."""
    converted, resumed = cut_then_resume(
        lab, tmp_path, ["--power-cut-on-line", "test point: committed-early 4"],
        convert_env="PV2LUKS_TEST_COMMIT_EARLY=4")
    assert field(resumed, "OPEN exit") == "0"
    assert field(resumed, "COLD-AFTER") != field(converted, "COLD-BEFORE")
