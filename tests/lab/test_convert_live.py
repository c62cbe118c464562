"""Live conversion of an active PV under load, then a reboot into stock
cryptsetup: every acknowledged write and every untouched LV survives. The
negative control skips the mirror for one chunk and must be caught."""
import re

import pytest

CONVERT_UNDER_LOAD = r"""#!/bin/bash
set -euo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
pvcreate -q --setphysicalvolumesize 136M "$disk"
vgcreate -q -s 4M vg "$disk"
lvcreate -q -n fs -L 48M vg
lvcreate -q -n cold -L 24M vg
lvcreate -q -n spacer -L 4M vg
lvextend -q -L +20M vg/cold                  # cold: two segments
lvremove -q -y vg/spacer
lvcreate -q -n raw -l 100%FREE vg
echo "cold segments: $(lvs --noheadings -o seg_count vg/cold | tr -d ' ')"
dd if=/dev/urandom of=/dev/vg/cold bs=1M oflag=direct status=none || true
echo "COLD-BEFORE $(sha256sum < /dev/vg/cold | cut -d' ' -f1)"
mkfs.ext4 -q /dev/vg/fs
mkdir -p /run/fs && mount /dev/vg/fs /run/fs
printf 'correct horse battery staple' > "$LAB_OUT/key"
pv2luks-harness load start --log "$LAB_OUT/load" --dir /run/fs --raw /dev/vg/raw
sleep 2
__ENV__ pv2luks convert "$disk" --yes --type __TYPE__ --key-file "$LAB_OUT/key" --pbkdf pbkdf2 \
    --pbkdf-force-iterations 1000 --progress-json
echo "CONVERT exit=$?"
sleep 2
pv2luks-harness load stop --log "$LAB_OUT/load"
echo "TABLE $(dmsetup table | grep -c ' crypt ') crypt targets; keys shown: $(dmsetup table | grep -cE ' crypt [^ ]+ [0-9a-f]{32,} ' || true)"
umount /run/fs
vgchange -an vg > /dev/null
dmsetup remove vda_crypt
"""

AFTER_REBOOT = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
cryptsetup luksDump "$disk" | grep -E '^(Version|Cipher|	offset|Data segments)|offset:' | head -5
cryptsetup open "$disk" pvcrypt --key-file "$LAB_OUT/key"; echo "OPEN exit=$?"
vgchange -ay vg > /dev/null; echo "ACTIVATE exit=$?"
e2fsck -fn /dev/vg/fs > /dev/null 2>&1; echo "FSCK exit=$?"
echo "COLD-AFTER $(sha256sum < /dev/vg/cold | cut -d' ' -f1)"
mkdir -p /run/fs && mount /dev/vg/fs /run/fs
pv2luks-harness load verify --log "$LAB_OUT/load"; echo "VERIFY exit=$?"
umount /run/fs; vgchange -an vg > /dev/null; cryptsetup close pvcrypt
"""


def field(stdout, name):
    match = re.search(rf"^{name}[ =](\S+)", stdout, re.M)
    assert match, f"{name} missing from the output"
    return match.group(1)


def convert_then_reboot(lab, tmp_path, env="", luks_type="luks2"):
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    script = CONVERT_UNDER_LOAD.replace("__ENV__", env).replace("__TYPE__", luks_type)
    first = lab(script, disk, extra=["--out", out])
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    second = lab(AFTER_REBOOT, disk, extra=["--out", out])
    assert second.returncode == 0, second.stderr
    return first.stdout, second.stdout


@pytest.mark.parametrize("luks_type, version", [("luks2", "2"), ("luks1", "1")])
def test_live_conversion_under_load_then_stock_cryptsetup(lab, tmp_path, luks_type, version):
    converted, rebooted = convert_then_reboot(lab, tmp_path, luks_type=luks_type)
    assert re.search(rf"^Version:\s+{version}$", rebooted, re.M)
    assert "cold segments: 2" in converted
    assert field(converted, "CONVERT exit") == "0"
    assert '"phase":"move"' in converted
    assert re.search(r"^vda_crypt UUID=\S+ none luks$", converted, re.M)
    assert "keys shown: 0" in converted, "a key reached dmsetup table"
    assert field(rebooted, "OPEN exit") == "0"
    assert field(rebooted, "ACTIVATE exit") == "0"
    assert field(rebooted, "FSCK exit") == "0"
    assert field(rebooted, "COLD-AFTER") == field(converted, "COLD-BEFORE")
    assert field(rebooted, "VERIFY exit") == "0"
    assert re.search(r"load verify: \d+ acknowledged writes checked .*: OK", rebooted)


def test_negative_control_a_skipped_chunk_is_caught(lab, tmp_path):
    """Chunk 4 (from the end) lies in the cold LV; switching it to crypt
    without the mirror copy must show up after the reboot."""
    converted, rebooted = convert_then_reboot(lab, tmp_path, env="PV2LUKS_TEST_SKIP_MIRROR_CHUNK=4")
    assert field(converted, "CONVERT exit") == "0"
    assert field(rebooted, "OPEN exit") == "0"
    assert field(rebooted, "COLD-AFTER") != field(converted, "COLD-BEFORE")
