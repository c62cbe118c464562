"""Crash safety: a conversion under load is cut at named points and at a
seeded random time (a power cut: QEMU SIGKILLed), or its converter is
killed while the system runs; `pv2luks resume` finishes it, and stock
cryptsetup then finds every LV and every acknowledged write. The negative
control commits a chunk before its copy is in sync; the same checks must
catch it. PV2LUKS_CRASH_SEED replays a random cut time."""
import os
import random
import re

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
__ENV__ pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" --progress-json; echo "RESUME exit=$?"
__AFTER__
"""


def cut_then_resume(lab, tmp_path, cut, convert_env="", resume_env="", cut_resume=None):
    """Boot 1 converts until `cut` (extra lab arguments); boot 2 resumes (and,
    with cut_resume, is cut too; boot 3 resumes again), then verifies.
    Returns (boot 1 output, last boot output)."""
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    first = lab(CONVERT_UNTIL_CUT.replace("__ENV__", convert_env), disk,
                extra=["--out", out, *cut])
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    assert "power cut" in first.stderr
    assert "CONVERT exit" not in first.stdout, "the conversion ended before the cut"
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
])
def test_power_cut_at_a_named_point_then_resume(lab, tmp_path, point, env):
    converted, resumed = cut_then_resume(
        lab, tmp_path, ["--power-cut-on-line", f"test point: {point}"], convert_env=env)
    assert f"test point: {point}" in converted
    assert "journal: phase" in resumed
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


def test_power_cut_at_a_seeded_random_time_then_resume(lab, tmp_path):
    """The cut comes a seeded random time after the journal is staged (the
    guest prints the line the lab cuts on), anywhere in the move."""
    delay = random.Random(SEED).uniform(0, 12)
    print(f"PV2LUKS_CRASH_SEED={SEED}: power cut {delay:.2f} s after the journal is staged")
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
    # its exit, leaves a converted volume and nothing to resume (exit 1).
    finished = "already converted; nothing to resume" in last.stdout
    assert field(last.stdout, "RESUME exit") == ("1" if finished else "0"), last.stdout[-3000:]
    assert_verified(first.stdout, last.stdout)


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


# Kills the converter, then each resume, at the given points while the load
# runs; a point is "nN" (right after the run's Nth test point line: staged,
# chunk-mirror K, chunk-done K, ...) or a delay in seconds after it started.
# After every kill the LVs must still take writes.
KILL_MATRIX = ("#!/bin/bash\nset -uo pipefail\n" + SETUP + r"""
run=0
for point in __POINTS__; do
	run=$((run + 1))
	if [ $run = 1 ]; then
		PV2LUKS_TEST_POINTS=1 pv2luks convert "$disk" __ARGS__ 2> /run/run.err > /dev/null &
	else
		PV2LUKS_TEST_POINTS=1 pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" 2> /run/run.err > /dev/null &
	fi
	pid=$!
	case $point in
	n*) for i in $(seq 600); do [ "$(grep -c 'test point' /run/run.err)" -ge "${point#n}" ] && break; sleep 0.05; done ;;
	*) sleep "$point" ;;
	esac
	kill -__SIGNAL__ $pid; wait $pid; code=$?
	echo "KILL $run at $point: exit=$code last=$(grep 'test point' /run/run.err | tail -1 | cut -d: -f3)"
	echo "kill $run" > /run/fs/after-kill-$run && sync /run/fs/after-kill-$run && echo "LVS WORK $run"
done
pv2luks status "$disk"; echo "STATUS exit=$?"
pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key"; echo "RESUME exit=$?"
sleep 2
pv2luks-harness load stop --log "$LAB_OUT/load"
for run in $(seq $run); do grep -q "kill $run" /run/fs/after-kill-$run && echo "KEPT $run"; done
""" + VERIFY_WITH_STOCK_CRYPTSETUP)

def kill_points(seed):
    """Ten kill points, half at test point lines and half at seeded delays;
    each run moves a chunk or so, so the 9 chunks last all ten."""
    rng = random.Random(seed)
    return [rng.choice(["n1", "n2"]) if i % 2 == 0 else f"{rng.uniform(0.3, 3):.2f}"
            for i in range(10)]


@pytest.mark.parametrize("signal", ["KILL", "TERM"])
def test_converter_killed_ten_times_while_the_system_runs(lab, tmp_path, signal):
    """SIGKILL: the converter (then each resume) dies mid-move with the LVs on
    its tables. SIGTERM: it stops after the chunk in flight, commits, and
    says how to resume (exit 3). Every time the LVs keep working; the last
    resume finishes, and every acknowledged write is there."""
    points = kill_points(SEED)
    print(f"PV2LUKS_CRASH_SEED={SEED}: kill points {points}")
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    script = (KILL_MATRIX.replace("__ARGS__", CONVERT_ARGS).replace("__SIGNAL__", signal)
              .replace("__POINTS__", " ".join(points)))
    result = lab(script, disk, extra=["--out", out], timeout=900)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    kills = re.findall(r"^KILL (\d+) at \S+: exit=(\d+)", text, re.M)
    assert len(kills) == 10, text[-3000:]
    # Every run died (137) or stopped after committing (3); a SIGTERM that
    # comes before a resume has read the key and set anything up ends it at
    # once (143), which is safe: it has written nothing. A run that finished
    # on its own (0), or a resume after that (1, nothing to resume), is not
    # a kill.
    codes = {code for _, code in kills}
    assert codes <= ({"137", "0", "1"} if signal == "KILL" else {"3", "143", "0", "1"}), kills
    assert ("137" if signal == "KILL" else "3") in codes
    assert all(f"LVS WORK {n}" in text and f"KEPT {n}" in text for n in range(1, 11))
    assert field(text, "RESUME exit") == "0"
    assert_verified(text, text)


CORRUPT_THEN_RESUME = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
sectors=$(blockdev --getsz "$disk")
journal=$(( (sectors - 2048) / 8 * 8 ))
disk_sum() { sha256sum < "$disk" | cut -d' ' -f1; }
flip() {  # flips the low bit of the byte at byte offset $1 (twice restores it)
	local byte=$(dd if="$disk" bs=1 skip="$1" count=1 status=none | od -An -tu1 | tr -d ' ')
	printf "\\x$(printf %02x $(( byte ^ 1 )))" | dd of="$disk" bs=1 seek="$1" conv=notrunc,fsync status=none
}
try() {
	local before=$(disk_sum)
	pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" 2> /run/err; local code=$?
	echo "CASE $1 exit=$code same=$([ "$(disk_sum)" = "$before" ] && echo yes || echo no) msg=$(tr '\n' ' ' < /run/err)"
}
flip $(( (journal + 16) * 512 + 300 ))          # inside the staged header copy
try header
flip $(( (journal + 16) * 512 + 300 ))          # undo it
flip $(( journal * 512 + 20 )); flip $(( (journal + 8) * 512 + 20 ))   # both record slots
try records
flip $(( journal * 512 + 20 )); flip $(( (journal + 8) * 512 + 20 ))   # undo them
printf 'wrong passphrase' > /run/wrong
before=$(disk_sum)
pv2luks resume "$disk" --yes --key-file /run/wrong 2> /run/err
echo "CASE passphrase exit=$? same=$([ "$(disk_sum)" = "$before" ] && echo yes || echo no) msg=$(tr '\n' ' ' < /run/err)"
pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" > /dev/null; echo "RESUME exit=$?"
""" + VERIFY_WITH_STOCK_CRYPTSETUP


def test_a_corrupted_journal_is_refused_and_nothing_written(lab, tmp_path):
    """A flipped byte in the staged header, in both record slots, or a wrong
    passphrase: resume refuses (exit 1), the whole disk is byte-identical, and
    once the damage is undone resume finishes the job."""
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    first = lab(CONVERT_UNTIL_CUT.replace("__ENV__", ""), disk,
                extra=["--out", out, "--power-cut-on-line", "test point: chunk-done 1"])
    assert first.returncode == 0 and "power cut" in first.stderr, first.stderr
    second = lab(CORRUPT_THEN_RESUME, disk, extra=["--out", out])
    assert second.returncode == 0, second.stderr
    cases = dict(re.findall(r"^CASE (\w+) (.*)$", second.stdout, re.M))
    assert set(cases) == {"header", "records", "passphrase"}, cases
    for case in cases.values():
        assert case.startswith("exit=1 same=yes"), case
        assert "nothing was written" in case
    assert "copy of the LUKS header does not match its checksum" in cases["header"]
    assert "checksum mismatch" in cases["records"]
    assert "passphrase" in cases["passphrase"] or "No key available" in cases["passphrase"]
    assert field(second.stdout, "RESUME exit") == "0"
    assert_verified(first.stdout, second.stdout)


ACTIVATE_THEN_RESUME = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
pv2luks resume "$disk" --activate-only --yes --key-file "$LAB_OUT/key" 2> /run/act.err
echo "ACTIVATE-ONLY exit=$?"; cat /run/act.err
vgchange -ay --devices /dev/mapper/vda_crypt vg > /dev/null; echo "VGCHANGE exit=$?"
mkdir -p /run/fs && mount /dev/vg/fs /run/fs; echo "MOUNT exit=$?"
echo "COLD-MID $(sha256sum < /dev/vg/cold | cut -d' ' -f1)"
pv2luks-harness load start --log "$LAB_OUT/load" --dir /run/fs --raw /dev/vg/raw
sleep 2
pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" > /dev/null; echo "RESUME exit=$?"
sleep 2
pv2luks-harness load stop --log "$LAB_OUT/load"
""" + VERIFY_WITH_STOCK_CRYPTSETUP


def test_activate_only_then_resume_under_the_mounted_lvs(lab, tmp_path):
    """After a power cut the LVs can be used before the conversion finishes:
    --activate-only maps the PV as the journal records it; the VG activates
    on it, the filesystem mounts and takes load, and a resume finishes
    underneath."""
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    first = lab(CONVERT_UNTIL_CUT.replace("__ENV__", ""), disk,
                extra=["--out", out, "--power-cut-on-line", "test point: chunk-done 3"])
    assert first.returncode == 0 and "power cut" in first.stderr, first.stderr
    second = lab(ACTIVATE_THEN_RESUME, disk, extra=["--out", out])
    assert second.returncode == 0, second.stderr
    text = second.stdout
    assert field(text, "ACTIVATE-ONLY exit") == "3"
    assert "vgchange -ay --devices /dev/mapper/vda_crypt" in text
    assert field(text, "VGCHANGE exit") == "0" and field(text, "MOUNT exit") == "0"
    assert field(text, "COLD-MID") == field(first.stdout, "COLD-BEFORE")
    assert field(text, "RESUME exit") == "0"
    assert_verified(first.stdout, text)
