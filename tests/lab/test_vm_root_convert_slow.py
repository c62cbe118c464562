"""Issue 7 end to end: a real Debian 12 system (systemd, udev, root on LVM),
built by `pv2luks-harness vm build`, converts its own root PV live with
`pv2luks convert --update-crypttab` while a writer keeps writing to the
root filesystem; `update-initramfs -u` (the follow-up pv2luks prints); then a
second boot, where the initramfs asks for the passphrase and the harness
types it, must reach multi-user with root on LVM on LUKS and every
acknowledged write present.

The independent record of acknowledged writes, the guest scripts and the
checks are vm_root.py's (shared with test_vm_dracut_msdos_slow.py).

Power cut: the script prints CUT NOW once the move is 40% done and the
harness kills QEMU on that line. The next boot's initramfs (pv2luks's hook,
installed by vm build before any conversion) asks for the passphrase and
maps the half-converted PV; the system comes up on it, the writer runs again
and `pv2luks resume --update-crypttab` with update-initramfs finishes under
it; the third boot is an ordinary encrypted one with every acknowledged
write from both runs present.

Negative control: the same conversion without update-initramfs must be seen
as "did not come up encrypted": the old initramfs knows no crypttab line,
never asks for the passphrase, gives up waiting for the root VG and (panic=10,
QEMU's -no-reboot) ends the VM; vm run exits 1 with no script run.

The hook's cost (issue 16): the same Debian guest's initramfs, built by its
own update-initramfs in a chroot (harness/initramfs-size.sh), grows by at
most 3 MiB compressed when the pv2luks package ci/package makes is
installed."""

import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import BUILD_DIR, SOURCE_DIR
from vm_root import (AFTER_REBOOT, INITRAMFS_TOOLS_GPT, boot, build_image, converted,
                     live_conversion_then_encrypted_boot, power_cut_then_recovery, run)

# What pv2luks's initramfs hook may add to an initramfs, compressed (issue 16).
INITRAMFS_HOOK_LIMIT = 3 << 20
VARIANT = INITRAMFS_TOOLS_GPT


@pytest.fixture(scope="module")
def vm_image(tmp_path_factory):
    return build_image(tmp_path_factory, VARIANT)


def test_root_pv_converted_live_then_boots_encrypted(vm_image, tmp_path):
    live_conversion_then_encrypted_boot(VARIANT, vm_image, tmp_path)


def test_power_cut_mid_conversion_then_the_documented_recovery(vm_image, tmp_path):
    power_cut_then_recovery(VARIANT, vm_image, tmp_path)


def test_negative_control_without_update_initramfs_does_not_come_up(vm_image, tmp_path):
    image, key, _ = converted(VARIANT, vm_image, tmp_path, env="export SKIP_INITRAMFS=1")
    second = boot(VARIANT, image, key, tmp_path, AFTER_REBOOT, "reboot")
    assert second.returncode == 1, second.stderr[-3000:]
    assert VARIANT.prompt not in second.stdout
    assert "PV2LUKS-VM-EXIT" not in second.stdout


def test_the_hook_adds_at_most_3_mib_to_the_initramfs():
    """The packaged pv2luks must be among what the hook added (else nothing
    was measured), and no libguestfs library."""
    if not shutil.which("debootstrap"):
        pytest.skip("debootstrap missing: run ci/install-deps")
    packaged = subprocess.run([SOURCE_DIR / "ci" / "package"], capture_output=True, text=True,
                              timeout=3600,
                              env={**os.environ, "PACKAGE_BUILD_DIR": str(BUILD_DIR / "package")})
    assert packaged.returncode == 0, packaged.stderr[-3000:]
    core = next(pathlib.Path(p) for p in packaged.stdout.split()
                if pathlib.Path(p).name.startswith("pv2luks_"))
    result, seconds = run([SOURCE_DIR / "harness" / "initramfs-size.sh", core], timeout=1800)
    print(result.stdout, f"measured in {seconds:.0f} s")
    assert result.returncode == 0, result.stderr[-3000:]
    sizes = dict(re.findall(r"^initramfs (\S+) (\d+) \d+$", result.stdout, re.M))
    added = int(sizes[core.name]) - int(sizes["without"])
    print(f"the hook adds {added} bytes ({added / 2**20:.2f} MiB)")
    assert "added: usr/sbin/pv2luks" in result.stdout
    assert "guestfs" not in result.stdout
    assert 0 < added <= INITRAMFS_HOOK_LIMIT
