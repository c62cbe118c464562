"""What only reads opens read-only: `status --offline` and `verify --offline`
work on an image on a read-only mount (a read-only bind mount of the test's
directory), and leave it byte-identical; `resume --offline` there refuses,
naming the read-only file, and writes nothing."""
import contextlib
import os
import shutil

import pytest

from conftest import checked, run
from offline_common import build_image, convert, key_file, pv2luks, sha256

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (loop devices, mount)"),
    pytest.mark.skipif(shutil.which("lvm") is None, reason="needs lvm2"),
]


@contextlib.contextmanager
def read_only_view(directory, mountpoint):
    """`directory` again at `mountpoint`, read-only (a bind mount)."""
    mountpoint.mkdir()
    checked(["mount", "--bind", directory, mountpoint])
    try:
        checked(["mount", "-o", "remount,bind,ro", mountpoint])
        yield mountpoint
    finally:
        run(["umount", mountpoint])


def interrupted_conversion(tmp_path):
    """An image whose conversion a SIGKILL stopped after chunk 1."""
    images = tmp_path / "images"
    images.mkdir()
    image, _ = build_image(images)
    key = key_file(tmp_path)
    killed = convert(image, key, env=dict(os.environ, PV2LUKS_TEST_KILL_AT="chunk-done 1"))
    assert killed.returncode == -9, killed.stderr
    return image, key


def test_status_and_verify_on_a_read_only_mount(tmp_path):
    image, key = interrupted_conversion(tmp_path)
    with read_only_view(image.parent, tmp_path / "ro") as ro:
        seen = ro / image.name
        before = sha256(seen)
        status = pv2luks("status", "--offline", seen)
        assert status.returncode == 0, status.stderr
        assert "is being converted" in status.stderr and "chunks moved" in status.stderr, status.stderr
        resume = pv2luks("resume", "--offline", seen, "--yes", "--key-file", key)
        assert resume.returncode == 2, resume.stderr  # no permission: read-only
        assert "read-only" in resume.stderr, resume.stderr
        assert sha256(seen) == before
        done = pv2luks("resume", "--offline", image, "--yes", "--key-file", key)
        assert done.returncode == 0, done.stderr
        after = sha256(seen)
        verify = pv2luks("verify", "--offline", seen, "--key-file", key)
        assert verify.returncode == 0, verify.stderr
        assert verify.stdout.count("lv testgpt/") == 3, verify.stdout
        assert sha256(seen) == after
