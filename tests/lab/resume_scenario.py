"""The power cuts and resumes the resume tests share (test_resume.py,
test_resume_random_cuts.py, test_resume_controls.py, test_resume_kills.py,
test_resume_kill_matrix.py, test_resume_soak_slow.py): the scenario of
conversion_scenario.py converted until a cut, then resumed and verified.
PV2LUKS_CRASH_SEED replays a random cut time."""
import os
import random

from conversion_scenario import CONVERT_ARGS, SETUP, VERIFY_WITH_STOCK_CRYPTSETUP, field

SEED = int(os.environ.get("PV2LUKS_CRASH_SEED", random.randrange(1 << 30)))

CONVERT_UNTIL_CUT = ("#!/bin/bash\nset -uo pipefail\n" + SETUP +
                     "__ENV__ PV2LUKS_TEST_POINTS=1 pv2luks convert \"$disk\" " + CONVERT_ARGS +
                     "\necho \"CONVERT exit=$?\"\nsleep 120\n")

RESUME = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
pv2luks status "$disk"; echo "STATUS exit=$?"
# As a boot's udev rules would: the half-converted VG must not autoactivate.
echo "AUTOACT-BEFORE $(vgs --noheadings --separator : -o vg_autoactivation,vg_tags vg 2>/dev/null | tr -d ' ')"
vgchange -aay vg > /dev/null 2>&1
echo "AUTOACTIVATED $(lvs --noheadings -o lv_active vg 2>/dev/null | grep -c active)"
__ENV__ pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" --progress-json; echo "RESUME exit=$?"
__AFTER__
"""


def convert_until_cut(lab, tmp_path, cut, convert_env="", setup=SETUP):
    """Boot 1: the scenario (or another `setup` with the same LVs) converts
    until `cut` (extra lab arguments). Returns (disk spec, out dir, boot 1's
    result)."""
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    first = lab(CONVERT_UNTIL_CUT.replace(SETUP, setup).replace("__ENV__", convert_env), disk,
                extra=["--out", out, *cut])
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    assert "power cut" in first.stderr
    assert "CONVERT exit" not in first.stdout, "the conversion ended before the cut"
    return disk, out, first


def cut_then_resume(lab, tmp_path, cut, convert_env="", resume_env="", cut_resume=None,
                    setup=SETUP):
    """Boot 1 converts until `cut` (extra lab arguments); boot 2 resumes (and,
    with cut_resume, is cut too; boot 3 resumes again), then verifies.
    Returns (boot 1 output, last boot output)."""
    disk, out, first = convert_until_cut(lab, tmp_path, cut, convert_env, setup)
    resume_then_verify = RESUME.replace("__AFTER__", VERIFY_WITH_STOCK_CRYPTSETUP)
    if cut_resume:
        second = lab(RESUME.replace("__ENV__", resume_env).replace("__AFTER__", "sleep 120"),
                     disk, extra=["--out", out, *cut_resume])
        assert second.returncode == 0 and "power cut" in second.stderr, second.stderr
        assert "RESUME exit" not in second.stdout, "the resume ended before the cut"
    last = lab(resume_then_verify.replace("__ENV__", ""), disk, extra=["--out", out])
    assert last.returncode == 0, last.stderr
    assert field(last.stdout, "STATUS exit") == "0"
    assert field(last.stdout, "RESUME exit") == "0", last.stdout[-3000:]
    return first.stdout, last.stdout


CONVERT_THEN_CUT_AT_RANDOM = ("#!/bin/bash\nset -uo pipefail\n" + SETUP + r"""
PV2LUKS_TEST_POINTS=1 pv2luks convert "$disk" """ + CONVERT_ARGS + r""" 2> /run/convert.err &
for i in $(seq 600); do grep -q "test point: staged" /run/convert.err && break; sleep 0.1; done
sleep __DELAY__
grep "test point" /run/convert.err | tail -1
echo "CUT NOW"
wait
echo "CONVERT exit=$?"
""")
