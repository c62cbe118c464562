"""pv2luks convert --offline --guest-config inspects the guest before
anything is written, through the real libguestfs (under TCG here: each
appliance launch takes 15-70 s): a disk with no OS and a Debian guest
without cryptsetup-initramfs (a stub, guest_stub.py) are refused, and so is
a Debian guest whose initramfs dracut builds without cryptsetup; the image
stays byte-identical. The conversions with guest configuration are
test_offline_guest_config_slow.py; the boot of a real converted guest is
tests/lab/test_offline_guest_boot_slow.py."""
import os
import shutil

import pytest

from conftest import run
from guest_stub import build_stub_guest, guestfs_env
from offline_common import FAST_PBKDF, PV2LUKS, build_image, sha256

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the harness builds images on loop devices)"),
    pytest.mark.skipif(shutil.which("guestfish") is None,
                       reason="needs libguestfs (libguestfs-tools; ci/install-deps installs it)"),
    pytest.mark.skipif(not os.path.exists("/bin/busybox"), reason="needs busybox-static"),
]

# Typed nowhere, but guestfish reads it as a line: no newline in it.
PASSPHRASE = b"stub guest passphrase"


def key(tmp_path):
    path = tmp_path / "key"
    path.write_bytes(PASSPHRASE)
    path.chmod(0o600)
    return path


def convert(image, key_path, *extra):
    result = run([PV2LUKS, "convert", "--offline", image, "--yes", "--key-file", key_path,
                  *FAST_PBKDF, "--guest-config", *extra],
                 env={**os.environ, **guestfs_env()}, timeout=1200)
    print(result.stdout[-2000:], result.stderr[-4000:])
    return result


def assert_refused_unchanged(image, key_path, says):
    before = sha256(image)
    result = convert(image, key_path)
    assert result.returncode == 6, (result.returncode, result.stderr)
    assert says in result.stderr, result.stderr
    assert "nothing was written" in result.stderr
    assert sha256(image) == before


def test_a_disk_without_an_os_is_refused(tmp_path):
    image, _ = build_image(tmp_path)
    assert_refused_unchanged(image, key(tmp_path), "found no operating system")


def test_debian_without_cryptsetup_initramfs_is_refused(tmp_path):
    image, _, _ = build_stub_guest(tmp_path, "debian", cryptroot_hook=False)
    assert_refused_unchanged(image, key(tmp_path), "apt-get install cryptsetup-initramfs")


def test_dracut_guest_without_cryptsetup_is_refused(tmp_path):
    image, _, _ = build_stub_guest(tmp_path, "debian-dracut", cryptroot_hook=False)
    assert_refused_unchanged(image, key(tmp_path), "install cryptsetup inside the guest first")
