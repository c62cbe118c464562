"""Crash safety: a conversion under load is cut at named points and at a
seeded random time (a power cut: QEMU SIGKILLed), or its converter is
killed while the system runs; `pv2luks resume` finishes it, and stock
cryptsetup then finds every LV and every acknowledged write. The negative
control commits a chunk before its copy is in sync; the same checks must
catch it. PV2LUKS_CRASH_SEED replays a random cut time."""
import os
import random

import pytest

from conversion_scenario import (CONVERT_ARGS, SETUP, VERIFY_WITH_STOCK_CRYPTSETUP,
                                 assert_verified, field)

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


def convert_until_cut(lab, tmp_path, cut, convert_env=""):
    """Boot 1: the scenario converts until `cut` (extra lab arguments).
    Returns (disk spec, out dir, boot 1's result)."""
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    first = lab(CONVERT_UNTIL_CUT.replace("__ENV__", convert_env), disk,
                extra=["--out", out, *cut])
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    assert "power cut" in first.stderr
    assert "CONVERT exit" not in first.stdout, "the conversion ended before the cut"
    return disk, out, first


def cut_then_resume(lab, tmp_path, cut, convert_env="", resume_env="", cut_resume=None):
    """Boot 1 converts until `cut` (extra lab arguments); boot 2 resumes (and,
    with cut_resume, is cut too; boot 3 resumes again), then verifies.
    Returns (boot 1 output, last boot output)."""
    disk, out, first = convert_until_cut(lab, tmp_path, cut, convert_env)
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


CONVERT_THEN_CUT_AT_RANDOM = ("#!/bin/bash\nset -uo pipefail\n" + SETUP + r"""
PV2LUKS_TEST_POINTS=1 pv2luks convert "$disk" """ + CONVERT_ARGS + r""" 2> /run/convert.err &
for i in $(seq 600); do grep -q "test point: staged" /run/convert.err && break; sleep 0.1; done
sleep __DELAY__
grep "test point" /run/convert.err | tail -1
echo "CUT NOW"
wait
echo "CONVERT exit=$?"
""")


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


def test_negative_control_without_the_autoactivation_guard_the_vg_autoactivates(lab, tmp_path):
    """The guard left out: after a cut mid-move, LVM's autoactivation (as a
    boot's udev rules run it) activates the VG from the half-converted
    partition, and the check above must see it."""
    disk, out, _ = convert_until_cut(lab, tmp_path, ["--power-cut-on-line", "test point: chunk-done 4"],
                                     "PV2LUKS_TEST_NO_AUTOACTIVATION_GUARD=1")
    last = lab(RESUME.replace("__ENV__", "").replace("__AFTER__", ""), disk, extra=["--out", out])
    assert last.returncode == 0, last.stderr
    assert "AUTOACT-BEFORE enabled:" in last.stdout
    assert int(field(last.stdout, "AUTOACTIVATED")) > 0
    # resume sees LVs on the partition itself and refuses to touch them.
    assert field(last.stdout, "RESUME exit") != "0"


def test_double_fault_a_cut_during_resume(lab, tmp_path):
    converted, resumed = cut_then_resume(
        lab, tmp_path, ["--power-cut-on-line", "test point: chunk-mirror 2"],
        resume_env="PV2LUKS_TEST_POINTS=1",
        cut_resume=["--power-cut-on-line", "test point: chunk-mirror 5"])
    assert_verified(converted, resumed)


def test_negative_control_a_chunk_committed_before_its_copy_is_caught(lab, tmp_path):
    """Chunk 4 (in the cold LV) is committed before the mirror syncs it, and
    the power is cut right then: resume believes the copy and skips it."""
    converted, resumed = cut_then_resume(
        lab, tmp_path, ["--power-cut-on-line", "test point: committed-early 4"],
        convert_env="PV2LUKS_TEST_COMMIT_EARLY=4")
    assert field(resumed, "OPEN exit") == "0"
    assert field(resumed, "COLD-AFTER") != field(converted, "COLD-BEFORE")
