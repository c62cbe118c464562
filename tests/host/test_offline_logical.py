"""Offline conversion of a PV in an msdos logical partition (images/test-logical:
a /boot-like primary 1, extended 2, the PV in logical 5 and another logical
6 after it, as Debian's BIOS installer lays a disk out), raw and qcow2:
found by itself and with --partition 5, verify --offline, a SIGKILL in the
middle then resume. After each, every byte outside partition 5 (the MBR,
both EBRs, partitions 1 and 6, the gaps) is the same as before: hashed here
from the image's bytes, with partition 5's place and the EBRs found by this
file's own reading of the table (cross-checked with sfdisk). The negative
control flips one byte of the EBR that links partition 6 in a converted
copy, and that check must see it."""
import hashlib
import json
import os
import shutil

import pytest

from conftest import run
from offline_common import (EXIT_WRONG_DEVICE, as_raw, assert_refused, build_image, convert,
                            flip_byte, key_file, loop_device, pv2luks, verify)

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the harness builds images on loop devices)"),
    pytest.mark.skipif(shutil.which("lvm") is None or shutil.which("sfdisk") is None
                       or shutil.which("qemu-img") is None,
                       reason="needs lvm2, fdisk (sfdisk) and qemu-utils"),
]

SPEC = "test-logical"
PV_PARTITION = 5
EXTENDED_TYPES = (0x05, 0x0F, 0x85)


def ebr_chain(raw):
    """(byte offset of each EBR, [(start, size) in bytes of each logical
    partition]), read here from the MBR's extended entry and the EBR links."""
    with open(raw, "rb") as disk:
        mbr = disk.read(512)
        entries = [mbr[446 + 16 * i:446 + 16 * (i + 1)] for i in range(4)]
        extended = next(e for e in entries if e[4] in EXTENDED_TYPES)
        ext_start = int.from_bytes(extended[8:12], "little")
        ebrs, logicals, lba = [], [], ext_start
        while len(ebrs) < 16:
            disk.seek(lba * 512)
            ebr = disk.read(512)
            if ebr[510:512] != b"\x55\xaa":
                break
            ebrs.append(lba * 512)
            data, link = ebr[446:462], ebr[462:478]
            logicals.append(((lba + int.from_bytes(data[8:12], "little")) * 512,
                             int.from_bytes(data[12:16], "little") * 512))
            if link[4] not in EXTENDED_TYPES:
                break
            lba = ext_start + int.from_bytes(link[8:12], "little")
    return ebrs, logicals


def pv_partition(raw):
    """Partition 5's (start, size) in bytes, by this file's reading, checked
    against sfdisk's."""
    ebrs, logicals = ebr_chain(raw)
    table = json.loads(run(["sfdisk", "--json", raw]).stdout)["partitiontable"]
    by_sfdisk = {p["node"][len(str(raw)):]: (p["start"] * 512, p["size"] * 512)
                 for p in table["partitions"]}
    assert by_sfdisk["5"] == logicals[0] and by_sfdisk["6"] == logicals[1], (by_sfdisk, logicals)
    assert len(ebrs) == 2
    return logicals[0]


def outside_digest(raw, start, size):
    """sha256 of every byte of the image but [start, start + size)."""
    digest = hashlib.sha256()
    total = os.path.getsize(raw)
    with open(raw, "rb") as disk:
        for begin, end in ((0, start), (start + size, total)):
            disk.seek(begin)
            left = end - begin
            while left:
                block = disk.read(min(left, 1 << 20))
                digest.update(block)
                left -= len(block)
    return digest.hexdigest()


def snapshot(image, tmp_path):
    raw = as_raw(image, tmp_path)
    start, size = pv_partition(raw)
    return raw, (start, size), outside_digest(raw, start, size)


def assert_luks_in_partition_5(raw, place):
    with loop_device(raw, *place) as device:
        result = run(["cryptsetup", "isLuks", device])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_found_by_itself_converted_and_verified(tmp_path, fmt):
    image, manifest = build_image(tmp_path, SPEC, fmt)
    _, place, before = snapshot(image, tmp_path)
    key = key_file(tmp_path)
    result = convert(image, key)
    assert result.returncode == 0, result.stderr
    assert "partition 5" in result.stdout + result.stderr
    assert verify(image, key) == manifest
    raw, after_place, after = snapshot(image, tmp_path)
    assert after_place == place and after == before
    assert_luks_in_partition_5(raw, place)
    if fmt == "raw":
        # Negative control: one flipped byte in the EBR that links 6.
        copy = tmp_path / "flipped.raw"
        shutil.copyfile(raw, copy)
        flip_byte(copy, ebr_chain(copy)[0][1] + 446 + 8)
        assert outside_digest(copy, *place) != before


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_partition_5_killed_then_resumed(tmp_path, fmt):
    image, manifest = build_image(tmp_path, SPEC, fmt)
    _, place, before = snapshot(image, tmp_path)
    key = key_file(tmp_path)
    killed = convert(image, key, "--partition", "5",
                     env=dict(os.environ, PV2LUKS_TEST_KILL_AT="chunk-written 1"))
    assert killed.returncode == -9, (killed.returncode, killed.stderr)
    assert snapshot(image, tmp_path)[2] == before
    status = pv2luks("status", "--offline", image, "--partition", "5")
    assert status.returncode == 0, status.stdout + status.stderr
    resumed = pv2luks("resume", "--offline", image, "--partition", "5", "--yes", "--key-file", key)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert verify(image, key) == manifest
    raw, after_place, after = snapshot(image, tmp_path)
    assert after_place == place and after == before
    assert_luks_in_partition_5(raw, place)


def test_the_extended_partition_is_refused(tmp_path):
    image, _ = build_image(tmp_path, SPEC)
    assert_refused(image, key_file(tmp_path), "--partition", "2",
                   says=["partition 2 is an msdos extended partition",
                         "pick the logical partition that holds it with --partition N",
                         "5 (lvm, 40 MiB)"],
                   code=EXIT_WRONG_DEVICE)
