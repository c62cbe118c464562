"""`pv2luks convert --offline --sparse`: parts of the PV that are free
extents AND holes in the image stay holes, raw and qcow2; everything else is
converted as without it.

images/test-sparse.json: one PV of 120 MiB (4 MiB extents, pe_start 1 MiB)
with LV `data` (24 MiB of random bytes in three segments, one free extent
between each two) and LV `empty` (8 MiB of zeros: holes in the image), then
84 MiB of free extents, all holes. The first free extent lies 16 MiB (the
LUKS2 header's size) below the third segment of `data`, so its new place is
where that plaintext was: a conversion that leaves it without zeroing it
keeps plaintext (the negative control).

Independent checks: `verify --offline` against the harness's manifest (every
LV's sha256, written before the conversion), a scan of the whole image for
64-byte samples of the plaintext, and the image's allocated size from the
file system (st_blocks) or qemu-img."""
import json
import os
import shutil

import pytest

from offline_common import (EXIT_REFUSED, as_raw, build_image, convert, key_file, luks_dump,
                            plaintext_hits, plaintext_samples, pv2luks, run, sha256, verify)

TOOLS = ["losetup", "lvm", "sfdisk", "qemu-img", "cryptsetup", "qemu-storage-daemon"]
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (loop devices)"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                       reason="needs " + ", ".join(TOOLS)),
]

MIB = 1 << 20
SPEC = "test-sparse"
HEADER = 16 * MIB     # the default LUKS2 header: written whole at the front
EMPTY_LV = 8 * MIB    # LV `empty`: holes that become ciphertext of zeros
FREE_HOLES = 92 * MIB  # free extents that are holes: 2 gaps + 84 MiB at the end
SLACK = 2 * MIB       # LVM metadata, the journal's MiB, partial blocks


def allocated(image):
    """Bytes the image takes on its file system: st_blocks for raw, and for
    qcow2 the same of the file (qemu-img's actual-size)."""
    if str(image).endswith(".raw"):
        return os.stat(image).st_blocks * 512
    info = json.loads(run(["qemu-img", "info", "--output=json", image]).stdout)
    return info["actual-size"]


def convert_and_check(tmp_path, fmt, *extra, env=None):
    """Builds, converts with --sparse, and checks the LVs and the plaintext
    scan; returns (allocated before, allocated after, plaintext hits)."""
    image, manifest = build_image(tmp_path, SPEC, fmt=fmt)
    samples = plaintext_samples(as_raw(image, tmp_path))
    assert len(samples) > 1000
    before = allocated(image)
    key = key_file(tmp_path)
    result = convert(image, key, "--sparse", *extra, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert verify(image, key) == manifest
    raw = as_raw(image, tmp_path)
    code, dump = luks_dump(raw)
    assert code == 0, dump
    return before, allocated(image), plaintext_hits(raw, samples)


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_sparse_conversion_keeps_free_holes_unallocated(tmp_path, fmt):
    before, after, hits = convert_and_check(tmp_path, fmt)
    assert hits == []
    # What the conversion adds: the header and the empty LV's ciphertext.
    assert after <= before + HEADER + EMPTY_LV + SLACK, (before, after)
    # Against a dense conversion of the same image, the free holes are saved.
    dense_dir = tmp_path / "dense"
    dense_dir.mkdir()
    image, _ = build_image(dense_dir, SPEC, fmt=fmt)
    assert convert(image, key_file(dense_dir)).returncode == 0
    assert allocated(image) - after >= FREE_HOLES - SLACK, (allocated(image), after)


def test_negative_control_free_ranges_left_unzeroed_keep_plaintext(tmp_path):
    """PV2LUKS_TEST_SPARSE_NO_ZERO=1 leaves the old place of each free hole
    as it was: the first gap's new place held `data`'s third segment, whose
    plaintext the scan must find."""
    env = dict(os.environ, PV2LUKS_TEST_SPARSE_NO_ZERO="1")
    _, _, hits = convert_and_check(tmp_path, "raw", env=env)
    assert hits, "the scan missed plaintext left where a free hole moved"


def test_sparse_conversion_killed_then_resumed_stays_sparse(tmp_path):
    """The journal records --sparse: a resume after a kill mid-move (its
    free extents read from the half-moved PV) leaves the same holes."""
    image, manifest = build_image(tmp_path, SPEC)
    samples = plaintext_samples(image)
    before = allocated(image)
    key = key_file(tmp_path)
    killed = convert(image, key, "--sparse", env=dict(os.environ, PV2LUKS_TEST_KILL_AT="chunk-done 2"))
    assert killed.returncode == -9, killed.stderr
    resumed = pv2luks("resume", "--offline", image, "--yes", "--key-file", key)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert verify(image, key) == manifest
    assert plaintext_hits(image, samples) == []
    assert allocated(image) <= before + HEADER + EMPTY_LV + SLACK, (before, allocated(image))


def test_sparse_on_a_block_device_is_refused_unchanged(tmp_path):
    """A block device cannot say which of its ranges are holes: refused
    before anything is written, the device byte-identical."""
    image, _ = build_image(tmp_path, SPEC)
    device = run(["losetup", "--find", "--show", image]).stdout.strip()
    assert device.startswith("/dev/loop"), device
    try:
        before = sha256(device)
        result = convert(device, key_file(tmp_path), "--sparse")
        assert result.returncode == EXIT_REFUSED, (result.returncode, result.stderr)
        assert "cannot say which of its ranges are allocated" in result.stderr, result.stderr
        assert "convert without --sparse" in result.stderr, result.stderr
        assert "nothing" in result.stderr and "written" in result.stderr, result.stderr
        assert sha256(device) == before
    finally:
        run(["losetup", "--detach", device])


def test_sparse_needs_offline(tmp_path):
    result = pv2luks("convert", "/dev/null", "--sparse", "--yes", "--key-file", key_file(tmp_path))
    assert result.returncode != 0
    assert "--sparse needs --offline" in result.stderr, result.stderr
