"""pv2luks convert --offline --guest-config on stub guests (guest_stub.py),
through the real libguestfs (two appliance launches per conversion, 15-70 s
each under TCG, and one more to read the guest's files back). A non-Debian
guest is converted and left untouched (its root LV's bytes are the same),
with notes saying what was not done and no second launch. A Debian stub
gets the crypttab line added to its existing /etc/crypttab (content and
mode 0600 kept) and its update-initramfs run as 'update-initramfs -u -k
all', as a raw and as a qcow2 image. Negative control of the initramfs check: a stub whose initramfs does
not list the volume ends in exit 8 ("the conversion is complete"), with the
data intact. A Debian stub whose initramfs dracut builds gets the crypttab
line, /etc/dracut.conf.d/90-pv2luks-NAME.conf and 'dracut -f
--regenerate-all'; negative controls: an image whose /etc/crypttab lacks the
volume, and one without cryptsetup, end in exit 8 (failed after the write)."""
import os
import shutil

import pytest

from guest_stub import EXISTING_CRYPTTAB, build_stub_guest, guest_files, seg_ranges
from offline_common import verify
from test_offline_guest_config import convert, key

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the harness builds images on loop devices)"),
    pytest.mark.skipif(shutil.which("guestfish") is None,
                       reason="needs libguestfs (libguestfs-tools; ci/install-deps installs it)"),
    pytest.mark.skipif(not os.path.exists("/bin/busybox"), reason="needs busybox-static"),
]


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


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_debian_guest_gets_the_crypttab_line_and_update_initramfs(tmp_path, fmt):
    # qcow2: libguestfs opens the qcow2 file itself, once pv2luks's NBD
    # export of it is stopped.
    image, manifest, _ = build_stub_guest(tmp_path, "debian", fmt=fmt)
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
    assert result.returncode == 8, (result.returncode, result.stderr)
    assert "the conversion is complete" in result.stderr
    assert "does not list luks-" in result.stderr
    assert "update-initramfs -u -k all" in result.stderr  # says what to do by hand
    expected = {l for l in manifest.splitlines() if l.startswith("lv ") and "/root " not in l}
    assert expected <= set(verify(image, k))


DRACUT_CONF_LINES = ['install_items+=" /etc/crypttab "', 'add_dracutmodules+=" crypt lvm "']


def test_dracut_guest_gets_the_crypttab_line_its_snippet_and_dracut(tmp_path):
    image, manifest, _ = build_stub_guest(tmp_path, "debian-dracut")
    k = key(tmp_path)
    result = convert(image, k)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    name = line.split()[0]
    uuid = name.removeprefix("luks-")
    conf = f"/etc/dracut.conf.d/90-pv2luks-{name}.conf"
    assert f"wrote the guest's {conf}" in result.stderr
    assert "dracut: stub called with: -f --regenerate-all" in result.stderr
    assert f"initrd.img-6.1.0-stub unlocks {name} at boot" in result.stderr
    files, mode = guest_files(image, k, "/etc/crypttab", conf, "/var/log/dracut.calls")
    assert files["/etc/crypttab"] == EXISTING_CRYPTTAB + line + "\n"
    assert mode == 0o600
    assert files["/var/log/dracut.calls"] == "-f --regenerate-all\n"
    for wanted in DRACUT_CONF_LINES + [f'kernel_cmdline+=" rd.luks.uuid={uuid} "']:
        assert wanted in files[conf].splitlines(), files[conf]
    expected = {l for l in manifest.splitlines() if l.startswith("lv ") and "/root " not in l}
    assert expected <= set(verify(image, k))


@pytest.mark.parametrize("initramfs, says", [
    ("bad", "does not list luks-"),
    ("no-cryptsetup", "holds no cryptsetup"),
])
def test_a_dracut_image_that_would_not_unlock_fails_after_the_conversion(tmp_path, initramfs,
                                                                         says):
    image, manifest, _ = build_stub_guest(tmp_path, "debian-dracut", initramfs=initramfs)
    k = key(tmp_path)
    result = convert(image, k)
    assert result.returncode == 8, (result.returncode, result.stderr)
    assert "the conversion is complete" in result.stderr
    assert says in result.stderr, result.stderr
    assert "dracut -f --regenerate-all" in result.stderr  # says what to do by hand
    expected = {l for l in manifest.splitlines() if l.startswith("lv ") and "/root " not in l}
    assert expected <= set(verify(image, k))
