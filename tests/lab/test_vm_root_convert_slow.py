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
from vm_root import (AFTER_REBOOT, INITRAMFS_TOOLS_GPT, PASSPHRASE, boot, build_image, converted,
                     copy_image, field, live_conversion_then_encrypted_boot,
                     power_cut_then_recovery, run)

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


# The root-PV guard (issue 17): a dry run passes while the initramfs holds
# pv2luks's hook; with the hook gone from the initramfs the conversion is
# refused before anything is written. Root and /boot are read-only from the
# first checksum of the whole disk to the second, so nothing else writes.
GUARD = r"""
kver=$(uname -r)
convert() { pv2luks convert "$PV" --yes --key-file ./key --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "$@"; }
convert --dry-run > dry.out 2>&1; echo "DRY-WITH-HOOK exit=$?"
sed 's/^/DRY-WITH-HOOK /' dry.out | tail -5
rm /usr/share/initramfs-tools/hooks/pv2luks /usr/share/initramfs-tools/scripts/local-top/pv2luks
regenerate_initramfs > /dev/null 2>&1; echo "INITRAMFS exit=$?"
echo "HOOK-FILES $(lsinitramfs "/boot/initrd.img-$kver" | grep -c pv2luks)"
journalctl --relinquish-var > /dev/null 2>&1
sync
mount -o remount,ro /boot && mount -o remount,ro /; echo "READ-ONLY exit=$?"
echo "DISK-BEFORE $(sha256sum < /dev/vda | cut -c1-64)"
convert > refused.out 2>&1; echo "CONVERT exit=$?"
sed 's/^/REFUSED /' refused.out
echo "DISK-AFTER $(sha256sum < /dev/vda | cut -c1-64)"
convert --dry-run --force > forced.out 2>&1; echo "DRY-FORCED exit=$?"
grep -c 'warning (--force)' forced.out | sed 's/^/FORCE-WARNINGS /'
"""


def test_root_pv_refused_while_the_initramfs_cannot_recover_it(vm_image, tmp_path):
    image = copy_image(vm_image, tmp_path)
    key = tmp_path / "key"
    key.write_text(PASSPHRASE)
    result = boot(VARIANT, image, key, tmp_path, GUARD, "guard")
    out = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]
    # Positive control: with the hook in the initramfs the guard lets it pass.
    assert field(out, "DRY-WITH-HOOK exit") == "0", out[-3000:]
    assert field(out, "INITRAMFS exit") == "0"
    assert field(out, "HOOK-FILES") == "0", "the hook is still in the initramfs"
    assert field(out, "READ-ONLY exit") == "0"
    assert field(out, "CONVERT exit") == "6", out[-3000:]  # refused
    refusal = "\n".join(line for line in out.splitlines() if line.startswith("REFUSED "))
    assert re.search(r"/dev/vda2 holds the running /, and the initramfs the next boot uses", refusal)
    assert "/boot/initrd.img-" in refusal and "has no pv2luks, pv2luks's recovery hook" in refusal
    assert "update-initramfs -u -k all" in refusal and "--force" in refusal
    assert field(out, "DISK-BEFORE") == field(out, "DISK-AFTER")
    assert field(out, "DRY-FORCED exit") == "0", out[-3000:]
    assert field(out, "FORCE-WARNINGS") == "1"
