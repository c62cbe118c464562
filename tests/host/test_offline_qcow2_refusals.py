"""qcow2 images an in-place conversion must not touch (issue 15): each is
refused before anything is written, exit 6, the problem named with what to
do, and the whole image file byte-identical (sha256 before and after).

- An internal snapshot keeps the disk as it was: the conversion rewrites
  the current state only, and `qemu-img snapshot -a` would bring the
  plaintext back.
- Compressed clusters: QEMU writes a rewritten compressed cluster elsewhere
  and leaves the compressed bytes in the file, where they decompress to the
  plaintext.
- Damage `qemu-img check` finds (here a file cut short): the conversion
  would encrypt zeros for the lost data, and `qemu-img check` would find
  nothing wrong afterwards.
Leaked clusters are harmless to the conversion: it goes ahead and says so.
Other formats QEMU opens (vmdk, vdi, as qemu-img makes them) are refused,
naming the format and the `qemu-img convert -O qcow2` that makes an image
pv2luks converts; read as raw disks they would be the format's metadata.

pv2luks loads libnbd only when it opens a qcow2 image (so the initramfs,
which copies pv2luks with the libraries it links, carries none of libnbd's
gnutls, libxml2 and ICU). Without libnbd0 a qcow2 image is refused naming
the package, while a raw image still converts.

Controls: the advice each refusal gives, followed, gives an image that
converts and verifies, and for compressed clusters its file holds none of
the plaintext."""
import json
import os
import shutil

import pytest

from conftest import run
from offline_common import (as_raw, assert_refused, build_image, convert, key_file,
                            plaintext_hits, plaintext_samples, verify)

TOOLS = ["losetup", "lvm", "sfdisk", "mkfs.ext4", "qemu-img", "qemu-storage-daemon"]
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (loop devices)"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                       reason="needs " + ", ".join(TOOLS)),
]


def qemu_img(*args):
    result = run(["qemu-img", *args])
    assert result.returncode == 0, (args, result.stderr)
    return result.stdout


def qemu_img_check(image):
    """qemu-img check's JSON report (its exit code is 2 or 3 for damage or leaks)."""
    return json.loads(run(["qemu-img", "check", "--output=json", image]).stdout)


def test_internal_snapshot_is_refused(tmp_path):
    image, manifest = build_image(tmp_path, fmt="qcow2")
    qemu_img("snapshot", "-c", "before", image)
    qemu_img("snapshot", "-c", "it's late", image)
    key = key_file(tmp_path)
    assert_refused(image, key, says=["2 internal snapshots", "before", "it's late",
                                     f"qemu-img snapshot -d before {image}",
                                     f"qemu-img snapshot -d 'it'\\''s late' {image}",
                                     f"qemu-img convert -O qcow2 {image} NEW"])
    # Control: without its snapshots the image converts.
    qemu_img("snapshot", "-d", "before", image)
    qemu_img("snapshot", "-d", "it's late", image)
    result = convert(image, key)
    assert result.returncode == 0, result.stderr
    assert verify(image, key) == manifest


def test_compressed_clusters_are_refused(tmp_path):
    plain, manifest = build_image(tmp_path, fmt="qcow2")
    samples = plaintext_samples(as_raw(plain, tmp_path))
    image = tmp_path / "compressed.qcow2"
    qemu_img("convert", "-c", "-O", "qcow2", plain, image)
    assert qemu_img_check(image)["compressed-clusters"] > 0
    key = key_file(tmp_path)
    assert_refused(image, key, says=["compressed clusters", "its plaintext would stay",
                                     f"qemu-img convert -O qcow2 {image} NEW"])
    # Control: the uncompressed copy the refusal asks for converts, and no
    # plaintext is left anywhere in its file (not only in the disk it holds).
    copy = tmp_path / "copy.qcow2"
    qemu_img("convert", "-O", "qcow2", image, copy)
    result = convert(copy, key)
    assert result.returncode == 0, result.stderr
    assert verify(copy, key) == manifest
    assert plaintext_hits(copy, samples) == []


def test_truncated_qcow2_is_refused(tmp_path):
    """Cut short in its data clusters, past its header and tables (the header
    checks pass): only a check of every cluster reference sees it."""
    image, _ = build_image(tmp_path, fmt="qcow2")
    os.truncate(image, os.path.getsize(image) - (8 << 20))
    assert qemu_img_check(image)["corruptions"] > 0
    stderr = assert_refused(image, key_file(tmp_path),
                            says=["damaged", "qemu-img check", "corruptions",
                                  "past the end of the file"])
    assert len(stderr) < 4000, "the refusal should quote qemu-img check, not copy all of it"


def add_leaked_cluster(image):
    """One leaked cluster, as a QEMU killed between allocating a cluster and
    linking it leaves: the file grows by a cluster whose refcount is 1 though
    nothing refers to it."""
    with open(image, "r+b") as f:
        header = f.read(104)
        cluster_bits = int.from_bytes(header[20:24], "big")
        refcount_table = int.from_bytes(header[48:56], "big")
        assert int.from_bytes(header[96:100], "big") == 4, "16-bit refcounts, qemu-img's default"
        cluster = 1 << cluster_bits
        index = -(-os.path.getsize(image) // cluster)
        per_block = cluster // 2
        f.seek(refcount_table + 8 * (index // per_block))
        block = int.from_bytes(f.read(8), "big") & ~0x1ff
        assert block != 0, "no refcount block covers the cluster"
        f.truncate((index + 1) * cluster)
        f.seek(block + 2 * (index % per_block))
        f.write((1).to_bytes(2, "big"))


def test_leaked_clusters_are_converted_with_a_note(tmp_path):
    image, manifest = build_image(tmp_path, fmt="qcow2")
    add_leaked_cluster(image)
    report = qemu_img_check(image)
    assert report["leaks"] == 1 and report.get("corruptions", 0) == 0, report
    key = key_file(tmp_path)
    result = convert(image, key)
    assert result.returncode == 0, result.stderr
    assert "1 leaked cluster" in result.stderr, result.stderr
    assert "harmless" in result.stderr, result.stderr
    assert verify(image, key) == manifest


@pytest.mark.parametrize("fmt", ["vmdk", "vdi"])
def test_other_qemu_formats_are_refused(tmp_path, fmt):
    image, manifest = build_image(tmp_path)
    other = tmp_path / f"disk.{fmt}"
    qemu_img("convert", "-f", "raw", "-O", fmt, image, other)
    key = key_file(tmp_path)
    assert_refused(other, key, says=[f"{other} is a {fmt} image",
                                     f"qemu-img convert -f {fmt} -O qcow2 {other}"])
    if fmt == "vmdk":  # control: the advice followed converts and verifies
        qcow2 = tmp_path / "disk.qcow2"
        qemu_img("convert", "-f", fmt, "-O", "qcow2", other, qcow2)
        result = convert(qcow2, key)
        assert result.returncode == 0, result.stderr
        assert verify(qcow2, key) == manifest


def libnbd_path():
    """The file the dynamic loader opens for libnbd.so.0 (ldconfig's cache)."""
    for line in run(["ldconfig", "-p"]).stdout.splitlines():
        if line.split()[:1] == ["libnbd.so.0"]:
            return line.split()[-1]
    pytest.fail("ldconfig -p lists no libnbd.so.0")


# Runs the command in a private mount namespace where libnbd.so.0 reads as
# /dev/null (an empty file: dlopen fails), as on a machine without libnbd0.
WITHOUT_LIBNBD = ["unshare", "--mount", "sh", "-c", 'mount --bind /dev/null "$1" && shift && exec "$@"',
                  "sh", libnbd_path()] if shutil.which("unshare") else None


@pytest.mark.skipif(WITHOUT_LIBNBD is None, reason="needs unshare")
def test_without_libnbd_a_qcow2_is_refused_naming_libnbd0(tmp_path):
    image, manifest = build_image(tmp_path, fmt="qcow2")
    key = key_file(tmp_path)
    assert_refused(image, key, says=[f"{image} is a qcow2 image", "loading libnbd.so.0 failed",
                                     "install libnbd0"], wrapper=WITHOUT_LIBNBD)
    # pv2luks itself runs without libnbd: a raw image converts and verifies.
    raw, raw_manifest = build_image(tmp_path)
    result = convert(raw, key, wrapper=WITHOUT_LIBNBD)
    assert result.returncode == 0, result.stderr
    assert verify(raw, key) == raw_manifest
    # Control: with libnbd the same qcow2 image converts.
    result = convert(image, key)
    assert result.returncode == 0, result.stderr
    assert verify(image, key) == manifest
