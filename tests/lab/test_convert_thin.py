"""A PV holding a thin pool, converted live under load: a plain LV under
O_DIRECT block load, and in the pool a thin LV with ext4 under file load
and a thin LV of random data nobody touches. The pool's data and metadata
sub-LVs (and the metadata spare) are the PV's dm holders, remapped like any
plain LV; the thin LVs sit above the pool. Then, after a reboot, stock
cryptsetup opens the PV, LVM activates the pool (running thin_check on its
metadata), ext4 checks clean, the cold thin LV has its checksum and every
acknowledged write is there. The same after a power cut in the middle of
a chunk's mirror, finished by `pv2luks resume`; and when dmeventd
monitors the pool by then, the resume is refused (disk unchanged) until
its monitoring is off. The verifier's negative
controls (a skipped chunk, lost writes) are those of test_convert_live.py
and test_resume_controls.py: the checks are the same."""
import re

from conversion_scenario import (FILL_AND_LOAD, SETUP, VERIFY_WITH_STOCK_CRYPTSETUP,
                                 assert_verified, field)
from resume_scenario import convert_until_cut, cut_then_resume
from test_convert_live import CONVERT_UNDER_LOAD

# The scenario's LVs (fs under file load, cold untouched, raw under block
# load), with fs and cold thin in a pool that fills most of the PV.
THIN_SETUP = r"""
disk=$(readlink -f "$LAB_DISKS/pv")
modprobe dm-thin-pool
pvcreate -q --setphysicalvolumesize 136M "$disk"
vgcreate -q -s 4M vg "$disk"
lvcreate -q -n raw -L 24M vg
lvcreate -q --type thin-pool -L 72M -n pool vg
lvcreate -q -V 48M -T vg/pool -n fs
lvcreate -q -V 20M -T vg/pool -n cold
lvs -a --noheadings -o lv_name,lv_attr,devices vg | sed 's/^/LAYOUT /'
echo "HOLDERS $(ls /sys/block/$(basename "$disk")/holders | wc -l)"
""" + FILL_AND_LOAD

AFTER_REBOOT = "#!/bin/bash\nset -uo pipefail\n" + VERIFY_WITH_STOCK_CRYPTSETUP


def assert_thin_layout(converted):
    """fs and cold are thin LVs (lv_attr V), and the PV's three holders are
    raw and the pool's data (T) and metadata (e); the spare metadata (e) is
    inactive, and the pool itself is not a holder."""
    for lv, kind in (("fs", "V"), ("cold", "V"), ("pool", "t"), (r"\[pool_tdata\]", "T"),
                     (r"\[pool_tmeta\]", "e"), (r"\[lvol0_pmspare\]", "e")):
        assert re.search(rf"^LAYOUT\s+{lv}\s+{kind}", converted, re.M), (lv, converted[-3000:])
    assert field(converted, "HOLDERS") == "3", converted[-3000:]


def test_a_thin_pool_converted_live_under_load(lab, tmp_path):
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    script = (CONVERT_UNDER_LOAD.replace(SETUP, THIN_SETUP).replace("__ENV__", "")
              .replace("__TYPE__", "luks2").replace("__EXTRA__", ""))
    first = lab(script, disk, extra=["--out", out])
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    assert field(first.stdout, "CONVERT exit") == "0", first.stdout[-3000:]
    assert_thin_layout(first.stdout)
    second = lab(AFTER_REBOOT, disk, extra=["--out", out])
    assert second.returncode == 0, second.stderr
    assert_verified(first.stdout, second.stdout)


def test_a_thin_pool_cut_mid_chunk_is_resumed(lab, tmp_path):
    converted, resumed = cut_then_resume(
        lab, tmp_path, ["--power-cut-on-line", "test point: chunk-mirror 4"], setup=THIN_SETUP)
    assert "test point: chunk-mirror 4" in converted
    assert_thin_layout(converted)
    assert_verified(converted, resumed)


# After the cut: the PV mapped and the VG activated, as the initramfs hook
# does, then dmeventd made to monitor the pool (as lvm2-monitor.service does
# at boot): the resume is refused with the disk unchanged; with monitoring
# off it finishes.
RESUME_MONITORED = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
pv2luks resume "$disk" --activate-only --yes --key-file "$LAB_OUT/key" > /dev/null 2>&1
echo "MAPPED exit=$?"
vgchange -ay --devices /dev/mapper/vda_crypt vg > /dev/null; echo "VG exit=$?"
dmeventd
lvchange --config 'activation/monitoring=1' --monitor y vg/pool
sleep 2
before=$(sha256sum < "$disk")
pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" > /run/refused.out 2>&1
echo "MONITORED exit=$?"
sed 's/^/REFUSED /' /run/refused.out
echo "SAME $([ "$before" = "$(sha256sum < "$disk")" ] && echo yes || echo no)"
lvchange --config 'activation/monitoring=1' --monitor n vg/pool
pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" > /dev/null 2>&1; echo "RESUME exit=$?"
""" + VERIFY_WITH_STOCK_CRYPTSETUP


def test_a_monitored_pool_is_not_resumed_until_its_monitoring_is_off(lab, tmp_path):
    disk, out, first = convert_until_cut(
        lab, tmp_path, ["--power-cut-on-line", "test point: chunk-mirror 4"], setup=THIN_SETUP)
    last = lab(RESUME_MONITORED, disk, extra=["--out", out])
    assert last.returncode == 0, last.stderr
    assert field(last.stdout, "MAPPED exit") == "7", last.stdout[-3000:]
    assert field(last.stdout, "VG exit") == "0", last.stdout[-3000:]
    assert field(last.stdout, "MONITORED exit") == "6", last.stdout[-3000:]
    assert "REFUSED pv2luks: /dev/vda: thin pool vg/pool is monitored by dmeventd" in last.stdout
    assert "lvchange --monitor n vg/pool" in last.stdout
    assert "SAME yes" in last.stdout, last.stdout[-3000:]
    assert field(last.stdout, "RESUME exit") == "0", last.stdout[-3000:]
    assert_verified(first.stdout, last.stdout)
