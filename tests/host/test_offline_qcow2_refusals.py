"""qcow2 images an in-place conversion must not touch (issue 15): each is
refused before anything is written, exit 1, the problem named with what to
do, and the whole image file byte-identical (sha256 before and after).

- An internal snapshot keeps the disk as it was: the conversion rewrites
  the current state only, and `qemu-img snapshot -a` would bring the
  plaintext back.

Controls: the advice each refusal gives, followed, gives an image that
converts and verifies."""
import os
import shutil

import pytest

from conftest import run
from offline_common import assert_refused, build_image, convert, key_file, verify

TOOLS = ["losetup", "lvm", "sfdisk", "mkfs.ext4", "qemu-img", "qemu-storage-daemon"]
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (loop devices, FUSE exports)"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                       reason="needs " + ", ".join(TOOLS)),
]


def qemu_img(*args):
    result = run(["qemu-img", *args])
    assert result.returncode == 0, (args, result.stderr)
    return result.stdout


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
