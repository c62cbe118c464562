"""LVM layouts in the guest are checksummed, and a reboot on the same disks
reproduces every LV checksum: on loop devices and on images built on the host."""
import json

import pytest

from conftest import HARNESS, SOURCE_DIR, manifest_lvs, run

BUILD_LOOP_LAYOUT = r"""#!/bin/bash
set -euo pipefail
pvcreate -q "$LAB_DISKS/pv"
vgcreate -q -s 4M vgl "$LAB_DISKS/pv"
lvcreate -q -n fs -L 32M vgl
lvcreate -q -n spacer -L 8M vgl
lvextend -q -L +16M vgl/fs           # fs now has two segments
lvcreate -q -n raw -L 12M vgl
echo "fs segments: $(lvs --noheadings -o seg_count vgl/fs | tr -d ' ')"
echo "pv is $(readlink "$LAB_DISKS/pv")"
mkfs.ext4 -q /dev/vgl/fs
mkdir -p /run/fs && mount /dev/vgl/fs /run/fs
seq 1 200000 > /run/fs/numbers && cp -r /usr/share/doc/lvm2 /run/fs/
umount /run/fs
dd if=/dev/urandom of=/dev/vgl/raw bs=1M count=12 oflag=direct status=none
pv2luks-harness checksum vgl
vgchange -an vgl > /dev/null
"""

REBOOT_AND_CHANGE = r"""#!/bin/bash
set -euo pipefail
pv2luks-harness checksum vgl
# Negative control: one changed byte must change that LV's checksum.
printf X | dd of=/dev/vgl/raw bs=1 seek=12345 conv=notrunc status=none
pv2luks-harness checksum vgl | sed 's/^/CHANGED /'
vgchange -an vgl > /dev/null
"""


def lv_lines(stdout, prefix=""):
    return sorted(line[len(prefix):] for line in stdout.splitlines()
                  if line.startswith(prefix + "lv "))


def test_loop_layout_checksums_survive_a_reboot(lab, tmp_path):
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    built = lab(BUILD_LOOP_LAYOUT, disk, extra=["--loop"])
    assert built.returncode == 0, built.stderr
    assert "fs segments: 2" in built.stdout
    assert "pv is /dev/loop" in built.stdout
    first = lv_lines(built.stdout)
    assert [line.split()[1] for line in first] == ["vgl/fs", "vgl/raw", "vgl/spacer"]

    again = lab(REBOOT_AND_CHANGE, disk, extra=["--loop"])
    assert again.returncode == 0, again.stderr
    assert lv_lines(again.stdout) == first
    changed = dict((l.split()[1], l) for l in lv_lines(again.stdout, "CHANGED "))
    before = dict((l.split()[1], l) for l in first)
    assert changed["vgl/raw"] != before["vgl/raw"]
    assert changed["vgl/fs"] == before["vgl/fs"]


def build_image(tmp_path, spec, fmt="raw"):
    out = tmp_path / f"disk.{fmt}"
    result = run([HARNESS, "image", "build", SOURCE_DIR / "images" / spec, out, "--format", fmt])
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / f"disk.{fmt}.manifest").read_text()
    vg = json.loads((SOURCE_DIR / "images" / spec).read_text())["pv"]["vg"]
    return out, manifest_lvs(manifest), vg


@pytest.mark.parametrize("spec, fmt", [("test-gpt.json", "raw"), ("test-msdos.json", "qcow2")])
def test_image_checksums_match_the_manifest_across_reboots(lab, tmp_path, spec, fmt):
    image, expected, vg = build_image(tmp_path, spec, fmt)
    assert expected, "the manifest lists no LVs"
    script = f"#!/bin/bash\nset -e\npv2luks-harness checksum {vg}\nvgchange -an {vg} >/dev/null\n"
    for boot in (1, 2):
        result = lab(script, f"img:auto:{image}")
        assert result.returncode == 0, result.stderr
        assert lv_lines(result.stdout) == expected, f"boot {boot}"
