"""pv2luks convert --offline on disk images, on the host (no device-mapper).

For raw and qcow2 images and for LUKS2 and LUKS1: the harness builds the
image and records every LV's sha256 (found through LVM's own tools); the
conversion runs; `pv2luks verify --offline` (userspace decryption, our own
LVM reader) must give the same lines; stock `cryptsetup luksDump` must
accept the header; and a scan of the raw bytes must find none of the
plaintext partition's 64-byte samples. Old data in a free extent and in the
tail room after the PV (markers written before the conversion) must not
survive either: free extents move with the rest, and the tail inside the
LUKS data area is filled with the ciphertext of zeros.

Negative controls: the scan finds the samples in the unconverted image, and
verify catches one flipped ciphertext byte inside an LV."""
import os
import shutil

import pytest

from offline_common import (as_raw, build_image, convert, flip_byte, key_file, luks_dump,
                            partition_of, plaintext_hits, plaintext_samples, pv2luks, sha256,
                            verify)

TOOLS = ["losetup", "lvm", "sfdisk", "mkfs.ext4", "qemu-img", "cryptsetup", "qemu-storage-daemon"]
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (loop devices)"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                       reason="needs " + ", ".join(TOOLS)),
]

MIB = 1 << 20
FREE_MARKER = b"PV2LUKS-FREE-EXTENT-MARKER-0123456789abcdef-old-deleted-data!!!"


def write_free_markers(raw):
    """Old data where no LV is: in the PV's last extent (test-gpt: pe_start 1
    MiB, 24 extents of 4 MiB, 64 MiB of LVs; were an LV there, its checksum
    would change and the verify comparison would fail), and in the tail room
    after the PV (97 MiB to the partition's end at 118 MiB), which the data
    area covers after the move but no PV sector lands on."""
    start, _ = partition_of(raw)
    with open(raw, "r+b") as image:
        for region in (MIB + 23 * 4 * MIB, 97 * MIB, 110 * MIB):
            for at in range(0, 4 * MIB, 512 * 1024):
                image.seek(start + region + at)
                image.write(FREE_MARKER)


@pytest.mark.parametrize("luks_type", ["luks2", "luks1"])
@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_offline_conversion_keeps_every_lv_and_leaves_no_plaintext(tmp_path, fmt, luks_type):
    image, manifest = build_image(tmp_path, fmt=fmt)
    if fmt == "raw":
        write_free_markers(image)
    samples = plaintext_samples(as_raw(image, tmp_path))
    assert len(samples) > 1000
    # Negative control for the scan: the plaintext image is full of them.
    assert plaintext_hits(as_raw(image, tmp_path), samples)
    key = key_file(tmp_path)

    result = convert(image, key, "--type", luks_type)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "crypttab" in result.stdout + result.stderr or "luks-" in result.stdout

    assert verify(image, key) == manifest
    raw = as_raw(image, tmp_path)
    code, dump = luks_dump(raw)
    assert code == 0, dump
    assert ("Version:       \t2" if luks_type == "luks2" else "Version:       \t1") in dump, dump
    assert plaintext_hits(raw, samples) == []
    with open(raw, "rb") as converted:
        assert FREE_MARKER not in converted.read()


def test_verify_catches_a_flipped_ciphertext_byte(tmp_path):
    """Negative control for verify: one byte changed inside the ciphertext of
    an LV changes exactly that LV's line."""
    image, manifest = build_image(tmp_path)
    key = key_file(tmp_path)
    assert convert(image, key).returncode == 0
    assert verify(image, key) == manifest
    start, _ = partition_of(image)
    # 16 MiB header + 1 MiB pe_start: the first LV's first extent, plus 1 MiB.
    flip_byte(image, start + 16 * MIB + MIB + MIB)
    after = verify(image, key)
    changed = [line for line in after if line not in manifest]
    assert len(changed) == 1, (after, manifest)


def test_wrong_passphrase_is_refused_by_verify(tmp_path):
    image, _ = build_image(tmp_path)
    key = key_file(tmp_path)
    assert convert(image, key).returncode == 0
    wrong = tmp_path / "wrong"
    wrong.write_bytes(b"not the passphrase\n")
    before = sha256(image)
    result = pv2luks("verify", "--offline", image, "--key-file", wrong)
    assert result.returncode == 2  # no permission: a wrong passphrase
    assert "passphrase" in result.stderr
    assert sha256(image) == before


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_make_room_shrinks_a_pv_that_fills_its_partition(tmp_path, fmt):
    """test-msdos: no room after the PV, its last extents free. --make-room
    runs LVM's pvresize (on a loop device; for qcow2 over a memory copy of
    the PV's metadata, written back through the NBD export) first; the LVs
    are intact."""
    image, manifest = build_image(tmp_path, spec="test-msdos", fmt=fmt)
    key = key_file(tmp_path)
    result = convert(image, key, "--make-room")
    assert result.returncode == 0, result.stderr
    assert "--make-room: the PV's last 17 extents are free" in result.stderr
    assert "pvresize" in result.stderr
    assert verify(image, key) == manifest
