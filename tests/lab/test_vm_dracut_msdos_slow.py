"""Issue 17 end to end: the Debian VM with dracut instead of initramfs-tools
and an msdos label (as Debian's BIOS installer lays a disk out: /boot on
primary partition 1, the PV on logical partition 5 in extended partition 2),
booted by its own GRUB from the disk with SeaBIOS (`vm build --initramfs
dracut --label msdos`; pv2luks's dracut module 90pv2luks in its initramfs).

a. Its root PV (/dev/vda5) converted live with `pv2luks convert
   --update-crypttab` under the writer that logs every acknowledged write,
   then `dracut -f --regenerate-all` (what pv2luks advises on dracut); the
   reboot asks for the passphrase (systemd-cryptsetup in dracut's
   initramfs), the harness types it, and the system reaches multi-user with
   root on LVM on LUKS and every acknowledged write present.
b. The power goes 40% into the move; the next boot's initramfs (pv2luks's
   dracut hook pv2luks-recover.sh) asks for the passphrase and maps the
   half-converted PV, the system comes up, `pv2luks resume
   --update-crypttab` and dracut finish under the writer, the third boot is
   an ordinary encrypted one with every acknowledged write present.
c. `pv2luks convert --offline --guest-config` of the image (PV in logical
   partition 5; the guest's dracut configured through libguestfs) boots,
   asks for the passphrase and comes up on the LUKS volume.
d. Negative control of b: the module removed and the initramfs regenerated
   in the guest before the cut (convert then needs --force: the root-PV
   guard). The recovery boot does not map the PV, and dracut's own LVM job
   (lvm_scan: `vgchange -ay`, which ignores the VG's autoactivation setting
   that guards the half-converted PV from udev's and initramfs-tools'
   autoactivation) activates the VG from the half-converted partition's
   stale label: root comes up on /dev/vda5 directly, no crypt device under
   it. That is what the module prevents, and why the guard refuses such a
   root PV without --force. The boot only looks (lsblk, no writes).

The guest scripts, the record of acknowledged writes and the checks are
vm_root.py's (shared with test_vm_root_convert_slow.py)."""
import os
import shutil
import subprocess
import time

import pytest

from conftest import PV2LUKS
from vm_root import (DRACUT_MSDOS, PASSPHRASE, boot, build_image, converted, copy_image, field,
                     live_conversion_then_encrypted_boot, power_cut_then_recovery)

VARIANT = DRACUT_MSDOS
# libguestfs's KVM does not work on this machine kind (docs/offline.md).
GUESTFS_ENV = {"LIBGUESTFS_BACKEND": "direct", "LIBGUESTFS_BACKEND_SETTINGS": "force_tcg"}


@pytest.fixture(scope="module")
def vm_image(tmp_path_factory):
    return build_image(tmp_path_factory, VARIANT)


def test_root_pv_on_logical_partition_converted_live_then_dracut_boots_it(vm_image, tmp_path):
    live_conversion_then_encrypted_boot(VARIANT, vm_image, tmp_path)


def test_power_cut_then_the_dracut_module_maps_the_half_converted_pv(vm_image, tmp_path):
    power_cut_then_recovery(VARIANT, vm_image, tmp_path)


def test_offline_guest_config_of_a_dracut_image_then_it_boots(vm_image, tmp_path):
    if not shutil.which("guestfish"):
        pytest.skip("guestfish is not installed (ci/install-deps installs it)")
    image = copy_image(vm_image, tmp_path)
    key = tmp_path / "key"
    key.write_text(PASSPHRASE)
    env = {**os.environ, **{k: os.environ.get(k, v) for k, v in GUESTFS_ENV.items()}}
    started = time.monotonic()
    result = subprocess.run(
        [str(PV2LUKS), "convert", "--offline", str(image), "--yes", "--key-file", str(key),
         "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--guest-config"],
        capture_output=True, text=True, timeout=3600, env=env)
    print(result.stdout[-2000:], result.stderr[-4000:])
    print(f"convert --offline --guest-config: {time.monotonic() - started:.0f} s")
    assert result.returncode == 0, result.stderr[-3000:]
    name, source, _, _ = result.stdout.strip().splitlines()[-1].split()
    uuid = source.removeprefix("UUID=")
    booted = boot(VARIANT, image, key, tmp_path, "echo OFFLINE-BOOTED\n", "offline-boot")
    assert booted.returncode == 0, booted.stderr[-3000:]
    assert VARIANT.prompt in booted.stdout
    crypt_uuid = f"CRYPT-LUKS2-{uuid.replace('-', '')}-{name}"
    assert f"PV2LUKS-GUEST-DM {name} {crypt_uuid}" in booted.stdout
    assert "PV2LUKS-GUEST-ROOT /dev/mapper/guestvg-root" in booted.stdout
    assert "OFFLINE-BOOTED" in booted.stdout


# What the negative control's boot looks at: which devices root sits on.
LOOK = """
echo "ROOT-NOW $(findmnt -n -o SOURCE /)"
lsblk -n -o NAME,TYPE | sed 's/^/LSBLK-NOW /'
"""


def test_negative_control_without_the_dracut_module_root_comes_up_on_the_stale_partition(
        vm_image, tmp_path):
    # Without the module in the initramfs, convert refuses the root PV (the
    # root-PV guard); --force is the documented way to take that risk.
    env = ("before_convert() { rm -r /usr/lib/dracut/modules.d/90pv2luks &&"
           " dracut -f --regenerate-all > /dev/null 2>&1; }\nexport CUT_AT_PERCENT=40"
           "\nexport CONVERT_OPTIONS=--force")
    image, key, first = converted(VARIANT, vm_image, tmp_path, env=env, cut=True)
    assert "BEFORE-CONVERT exit=0" in first
    assert "warning (--force): /dev/vda5 holds the running /" in first
    looked = boot(VARIANT, image, key, tmp_path, LOOK, "look", timeout=900)
    assert looked.returncode == 0, looked.stderr[-3000:]
    assert field(looked.stdout, "ROOT-NOW") == "/dev/mapper/guestvg-root"
    assert VARIANT.half_converted not in looked.stdout
    assert VARIANT.recovery_prompt not in looked.stdout
    lsblk = [line.split()[1:] for line in looked.stdout.splitlines() if line.startswith("LSBLK-NOW ")]
    assert ["crypt"] not in [kind[-1:] for kind in lsblk], lsblk
    assert any(name.endswith("guestvg-root") for name, *_ in lsblk), lsblk
