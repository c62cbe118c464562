"""pv2luks convert refuses LVM states it cannot keep live, before writing
anything: a pvmove in progress, a snapshot, raid1 and mirror LVs, a thin
pool dmeventd monitors, plus an already-LUKS and a read-only device. Each refusal names the problem,
exits 6 (4 for the LUKS device) and leaves the PV's whole disk byte-identical (sha256 of the raw
device right before and after). These need device-mapper, so one guest boot
sets up every case on its own disks and prints one CASE line per convert.

Negative control: a plain PV with --dry-run goes through the same steps; it
must pass (exit 0, nothing written) and the refusal verifier must reject it.
A thin pool's PV is converted (tests/lab/test_convert_thin.py): its dry run
passes too."""
import re
import time

import pytest

from conftest import HARNESS, lab_missing_reason, run

# Each VG lives on its own small disks (hashing a disk under TCG takes about a
# second per 10 MiB): 8 MiB PVs in 1 MiB extents on 16 MiB disks, so every PV
# also has the tail room a LUKS1 header needs, and nothing but the LVM state
# can be the reason for a refusal.
CASES = r"""#!/bin/bash
set -u
modprobe -a dm-raid raid1 dm-snapshot dm-thin-pool dm-mirror
disk() { readlink -f "$LAB_DISKS/$1"; }
pv() { pvcreate -q --setphysicalvolumesize 8M "$(disk "$1")"; }
vg() { local name=$1; shift; for d; do pv "$d"; done; vgcreate -q -s 1M "$name" $(for d; do disk "$d"; done); }
# Waits until CMD prints WANT (a sync reaching 100%, an LV appearing).
await() {
	local want=$1; shift
	for _ in $(seq 600); do [ "$("$@" 2>/dev/null | tr -d ' ')" = "$want" ] && return 0; sleep 0.2; done
	echo "SETUP-FAILED waiting for '$want' from: $*"
	return 1
}
sum() { sha256sum < "$1" | cut -d' ' -f1; }
printf 'correct horse battery staple' > /tmp/key
# One convert on the PV's raw disk, its whole-disk sha256 right before and after.
try() {
	local name=$1 dev before after out rc
	dev=$(disk "$2"); shift 2
	before=$(sum "$dev")
	out=$(pv2luks convert --yes "$dev" --type luks1 --key-file /tmp/key --pbkdf pbkdf2 \
		--pbkdf-force-iterations 1000 --yes "$@" 2>&1)
	rc=$?
	after=$(sum "$dev")
	echo "CASE $name exit=$rc before=$before after=$after msg=$(printf '%s' "$out" | tr '\n' ' ')"
}

# 1. An interrupted pvmove: -i +3600 makes pvmove wait an hour before its
# first progress check, so it cannot finish; it is killed once its pvmove0 LV
# is in the metadata and the copy is in sync (no more writes to either disk).
vg vgmv mva mvb
lvcreate -q -n lv -L 4M vgmv "$(disk mva)"
pvmove --config global/use_lvmpolld=0 -i +3600 "$(disk mva)" "$(disk mvb)" > /tmp/pvmove.log 2>&1 &
pvmove_pid=$!
await 100.00 lvs -a --noheadings -o copy_percent -S lv_name=pvmove0 vgmv
kill "$pvmove_pid"; wait "$pvmove_pid"
lvs -a -o lv_name,lv_attr,devices vgmv | sed 's/^/SETUP /'
try pvmove-source mva
try pvmove-destination mvb

# 2. A thin pool with a thin LV (thin_check skipped: a pool so small needs
# none). Then inactive: dm-thin commits its metadata on a timer, which would
# race the hashes; the checks read LVM's metadata, which activation does not
# change. Converted, not refused: its dry run passes.
nocheck='global/thin_check_executable=""'
vg vgth th
lvcreate -q --config "$nocheck" --type thin-pool -L 2M -n pool vgth
lvcreate -q --config "$nocheck" -V 8M -T vgth/pool -n thin 2>/dev/null
vgchange -q --config "$nocheck" -an vgth > /dev/null
try thin-dry-run th --dry-run
echo "SETUP dmeventd-after-thin-dry-run $(pgrep -c dmeventd)"

# 3. An old-style (COW) snapshot of a linear LV.
vg vgsn sn
lvcreate -q -n lv -L 2M vgsn
lvcreate -q -s -L 2M -n snap vgsn/lv
try snapshot sn

# 4. raid1 over two PVs, synced, then inactive: md updates its bitmap and
# superblock on its own schedule, which would race the hashes.
vg vgr ra rb
lvcreate -q --type raid1 -m1 -L 4M -n r vgr
await 100.00 lvs --noheadings -o sync_percent vgr/r
await idle lvs --noheadings -o raid_sync_action vgr/r
vgchange -q -an vgr > /dev/null
try raid1 ra

# 5. A mirror (--type mirror, in-memory log) over two PVs, active and in sync:
# with its log in memory, nothing writes to the legs once they are in sync.
vg vgm mia mib
lvcreate -q --type mirror -m1 --mirrorlog core -L 4M -n m vgm
await 100.00 lvs --noheadings -o copy_percent vgm/m
try mirror mia

# 6. A thin pool that dmeventd monitors, which could extend it in the middle
# of the move (LVM writing around the conversion): refused, naming the
# lvchange --monitor n that lets it convert. dmeventd only for this case (the
# lab's LVM config has monitoring off); two seconds for dm-thin's first
# metadata commit, so nothing writes during the hashes.
vg vgtm tm
lvcreate -q --config "$nocheck" --type thin-pool -L 2M -n pool vgtm
dmeventd
lvchange -q --config "$nocheck activation/monitoring=1" --monitor y vgtm/pool
sleep 2
try thin-monitored tm

# Already LUKS; a read-only PV.
cryptsetup luksFormat -q --type luks1 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file /tmp/key "$(disk luks)"
try already-luks luks
vg vgro ro
lvcreate -q -n lv -L 4M vgro
blockdev --setro "$(disk ro)"
try read-only ro

# The negative control: a plain PV, checked and planned but not written.
vg vgplain plain
lvcreate -q -n lv -L 4M vgplain
try plain-dry-run plain --dry-run
lvs -a -o vg_name,lv_name,lv_attr,devices | sed 's/^/SETUP /'
"""

DISKS = ["mva", "mvb", "th", "tm", "sn", "ra", "rb", "mia", "mib", "luks", "ro", "plain"]

# What each refusal must name; the generic message for an LV kind
# pv_refusals does not know would not do.
EXPECTED = {
    "pvmove-source": "pvmove",
    "pvmove-destination": "pvmove",
    "snapshot": "snapshot",
    "raid1": "raid",
    "mirror": "mirror",
    "thin-monitored": "lvchange --monitor n vgtm/pool",
    "already-luks": "already a LUKS device",
    "read-only": "read-only",
}
GENERIC = ("does not support its kind", "has segment type")
# pv2luks's exit code for each refusal (pv2luks --help): 4, wrong device, for
# one that holds no PV; 6, refused for another reason, for the others.
EXIT_CODES = {"already-luks": 4}

CASE_LINE = re.compile(r"^CASE (\S+) exit=(\d+) before=(\S*) after=(\S*) msg=(.*)$", re.M)


def assert_refused(case, word, code=6):
    """A refusal: exit `code`, the disk as it was, a message naming the problem."""
    assert case["exit"] == code, case
    assert re.fullmatch(r"[0-9a-f]{64}", case["before"]), case
    assert case["after"] == case["before"], f"the disk changed: {case}"
    assert word in case["msg"], case
    assert not any(generic in case["msg"] for generic in GENERIC), case
    assert "nothing was written" in case["msg"], case


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """One boot for every case (the conftest `lab` fixture is per test)."""
    reason = lab_missing_reason()
    if reason:
        pytest.skip(reason)
    script = tmp_path_factory.mktemp("refusals") / "cases.sh"
    script.write_text(CASES)
    argv = [HARNESS, "lab", "run", "--script", script, "--timeout", 900]
    for name in DISKS:
        argv += ["--disk", f"{name}:16M"]
    started = time.monotonic()
    guest = run(argv, timeout=900 + 120)
    print(f"lab run -> exit {guest.returncode} in {time.monotonic() - started:.1f} s")
    print("\n".join(line for line in guest.stdout.splitlines() if line.startswith(("CASE", "SETUP"))))
    print(guest.stderr[-2000:])
    assert guest.returncode == 0, guest.stdout[-3000:] + guest.stderr
    assert "SETUP-FAILED" not in guest.stdout, guest.stdout
    found = {m[0]: {"exit": int(m[1]), "before": m[2], "after": m[3], "msg": m[4]}
             for m in CASE_LINE.findall(guest.stdout)}
    assert sorted(found) == sorted([*EXPECTED, "plain-dry-run", "thin-dry-run"]), guest.stdout
    found["setup"] = "\n".join(line for line in guest.stdout.splitlines() if line.startswith("SETUP"))
    return found


@pytest.mark.parametrize("name", EXPECTED)
def test_refused_with_the_disk_unchanged(cases, name):
    assert_refused(cases[name], EXPECTED[name], EXIT_CODES.get(name, 6))


def test_negative_control_a_plain_pv_is_not_refused(cases):
    plain = cases["plain-dry-run"]
    assert plain["exit"] == 0, plain
    assert "dry run: nothing written" in plain["msg"], plain
    assert plain["after"] == plain["before"], plain
    with pytest.raises(AssertionError):
        assert_refused(plain, "pvmove")


def test_a_thin_pool_is_not_refused(cases):
    thin = cases["thin-dry-run"]
    assert thin["exit"] == 0, thin
    assert "dry run: nothing written" in thin["msg"], thin
    assert thin["after"] == thin["before"], thin
    # The monitoring check asks dmeventd only when it runs: it started none.
    assert "SETUP dmeventd-after-thin-dry-run 0" in cases["setup"], cases["setup"]
