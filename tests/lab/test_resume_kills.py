"""Crash safety without a power cut, and resume's refusals: the converter and
its resumes killed ten times while the system runs (SIGKILL and SIGTERM), a
corrupted journal refused with the disk byte-identical, and --activate-only
before a resume under the mounted LVs. Split from test_resume.py so the two
run side by side in the lab phase."""
import random
import re

import pytest

from conversion_scenario import (CONVERT_ARGS, SETUP, VERIFY_WITH_STOCK_CRYPTSETUP,
                                 assert_verified, field)
from test_resume import CONVERT_UNTIL_CUT, SEED


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
