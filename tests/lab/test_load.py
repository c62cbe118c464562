"""The load generator under the guest: verify passes on an untouched run and
after a power cut, and FAILS on a lossy move (a plain copy of the PV taken
while writes continue)."""
import re

MAKE_VG = r"""
pvcreate -q "$LAB_DISKS/pv"
vgcreate -q vg "$LAB_DISKS/pv"
lvcreate -q -n fs -L 32M vg
lvcreate -q -n raw -L 16M vg
mkfs.ext4 -q /dev/vg/fs
mkdir -p /run/fs && mount /dev/vg/fs /run/fs
"""

UNTOUCHED_AND_LOSSY_COPY = r"""#!/bin/bash
set -uo pipefail
""" + MAKE_VG + r"""
load() { pv2luks-harness load "$@"; }
load start --log "$LAB_OUT/good" --dir /run/fs --raw /dev/vg/raw || exit 10
sleep 4
load stop --log "$LAB_OUT/good" || exit 11
load verify --log "$LAB_OUT/good"; echo "GOOD-VERIFY exit=$?"

# Negative control: copy the PV with plain reads while the writer goes on.
load start --log "$LAB_OUT/lossy" --dir /run/fs --raw /dev/vg/raw || exit 12
sleep 1
dd if="$LAB_DISKS/pv" of="$LAB_DISKS/copy" bs=1M status=none
sleep 3
load stop --log "$LAB_OUT/lossy" || exit 13
umount /run/fs && vgchange -an vg > /dev/null

copy=$(readlink -f "$LAB_DISKS/copy") pv=$(readlink -f "$LAB_DISKS/pv")
vgchange -ay --devices "$copy" vg > /dev/null
echo "COPY-DEVICES $(lvs --devices "$copy" --noheadings -o devices vg/raw | tr -d ' ')"
mount /dev/vg/fs /run/fs || echo "the copied filesystem does not mount"
load verify --log "$LAB_OUT/lossy"; echo "COPY-VERIFY exit=$?"
umount /run/fs 2>/dev/null; vgchange -an --devices "$copy" vg > /dev/null

# The same log against the original passes: the failure was the copy's.
vgchange -ay --devices "$pv" vg > /dev/null && mount /dev/vg/fs /run/fs
load verify --log "$LAB_OUT/lossy"; echo "ORIGINAL-VERIFY exit=$?"
umount /run/fs; vgchange -an vg > /dev/null
"""


def verdict(stdout, name):
    match = re.search(rf"^{name} exit=(\d+)$", stdout, re.M)
    assert match, f"{name} missing from the output"
    return int(match.group(1))


def test_verify_passes_untouched_and_fails_on_a_lossy_copy(lab):
    result = lab(UNTOUCHED_AND_LOSSY_COPY, "pv:64M", "copy:64M")
    assert result.returncode == 0, result.stderr
    assert verdict(result.stdout, "GOOD-VERIFY") == 0
    checked = re.search(r"load verify: (\d+) acknowledged writes checked", result.stdout)
    assert checked and int(checked.group(1)) > 20
    assert "COPY-DEVICES /dev/vdb" in result.stdout, "the copy was not the device in use"
    assert verdict(result.stdout, "COPY-VERIFY") == 1
    assert "FAILED" in result.stdout
    assert verdict(result.stdout, "ORIGINAL-VERIFY") == 0


CUT_DURING_LOAD = r"""#!/bin/bash
set -euo pipefail
""" + MAKE_VG + r"""
pv2luks-harness load start --log "$LAB_OUT/load" --dir /run/fs --raw /dev/vg/raw
sleep 4
echo CUT-NOW
sleep 600
"""

AFTER_THE_CUT = r"""#!/bin/bash
set -uo pipefail
vgchange -ay vg > /dev/null
mkdir -p /run/fs && mount /dev/vg/fs /run/fs
pv2luks-harness load verify --log "$LAB_OUT/load"; echo "CUT-VERIFY exit=$?"
umount /run/fs; vgchange -an vg > /dev/null
"""


def test_acknowledged_writes_survive_a_power_cut(lab, tmp_path):
    disk = f"pv:64M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    cut = lab(CUT_DURING_LOAD, disk, extra=["--out", out, "--power-cut-on-line", "CUT-NOW"])
    assert cut.returncode == 0 and "power cut" in cut.stderr, cut.stderr
    after = lab(AFTER_THE_CUT, disk, extra=["--out", out])
    assert after.returncode == 0, after.stderr
    assert verdict(after.stdout, "CUT-VERIFY") == 0
    checked = re.search(r"load verify: (\d+) acknowledged writes checked", after.stdout)
    assert checked and int(checked.group(1)) > 20
