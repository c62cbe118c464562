"""pv2luks convert --offline --guest-config on stub guests (guest_stub.py),
through the real libguestfs (under TCG here: each appliance launch is
15-40 s). Before anything is written the guest is inspected: a disk with no
OS and a Debian guest without cryptsetup-initramfs are refused and the image
stays byte-identical. A non-Debian guest is converted and left untouched
(its root LV's bytes are the same), with notes saying what was not done. A
Debian stub gets the crypttab line added to its existing /etc/crypttab
(mode kept) and its update-initramfs run as 'update-initramfs -u -k all';
its negative control, a stub whose initramfs does not list the volume,
ends in exit 4 ("the conversion is complete"), with the data intact."""
import os
import shutil

import pytest

from conftest import run
from guest_stub import EXISTING_CRYPTTAB, build_stub_guest, guest_files, guestfs_env, seg_ranges
from offline_common import FAST_PBKDF, PV2LUKS, build_image, sha256, verify

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
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert says in result.stderr, result.stderr
    assert "nothing was written" in result.stderr
    assert sha256(image) == before


def test_a_disk_without_an_os_is_refused(tmp_path):
    image, _ = build_image(tmp_path)
    assert_refused_unchanged(image, key(tmp_path), "found no operating system")


def test_debian_without_cryptsetup_initramfs_is_refused(tmp_path):
    image, _, _ = build_stub_guest(tmp_path, "debian", cryptroot_hook=False)
    assert_refused_unchanged(image, key(tmp_path), "apt-get install cryptsetup-initramfs")


def test_other_guests_are_converted_and_left_untouched(tmp_path):
    image, manifest, root_before = build_stub_guest(tmp_path, "fedora")
    k = key(tmp_path)
    result = convert(image, k)
    assert result.returncode == 0, result.stderr
    assert "Fedora Linux 40" in result.stderr
    assert "NOT added to its /etc/crypttab" in result.stderr
    assert "dracut -f --regenerate-all" in result.stderr
    assert "opening the converted image with libguestfs" not in result.stderr  # no second launch
    size = sum(length for _, length in seg_ranges(manifest, "root"))
    assert f"lv testgpt/root {root_before} {size}" in verify(image, k)


def test_debian_guest_gets_the_crypttab_line_and_update_initramfs(tmp_path):
    image, manifest, _ = build_stub_guest(tmp_path, "debian")
    k = key(tmp_path)
    result = convert(image, k)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    name = line.split()[0]
    assert "added the crypttab line to the guest's /etc/crypttab" in result.stderr
    assert "update-initramfs: stub called with: -u -k all" in result.stderr
    assert f"initrd.img-6.1.0-stub unlocks {name} at boot" in result.stderr
    files, mode = guest_files(image, k, "/etc/crypttab", "/var/log/update-initramfs.calls")
    assert files["/etc/crypttab"] == EXISTING_CRYPTTAB + line + "\n"
    assert mode == 0o600
    assert files["/var/log/update-initramfs.calls"] == "-u -k all\n"
    # The other LVs are as they were built.
    expected = {l for l in manifest.splitlines() if l.startswith("lv ") and "/root " not in l}
    assert expected <= set(verify(image, k))


def test_an_initramfs_that_does_not_unlock_the_root_fails_after_the_conversion(tmp_path):
    image, manifest, _ = build_stub_guest(tmp_path, "debian", initramfs="bad")
    k = key(tmp_path)
    result = convert(image, k)
    assert result.returncode == 4, (result.returncode, result.stderr)
    assert "the conversion is complete" in result.stderr
    assert "does not list luks-" in result.stderr
    assert "update-initramfs -u -k all" in result.stderr  # says what to do by hand
    expected = {l for l in manifest.splitlines() if l.startswith("lv ") and "/root " not in l}
    assert expected <= set(verify(image, k))
