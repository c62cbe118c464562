"""Issue 17 end to end: the Debian VM with dracut instead of initramfs-tools
and an msdos label (as Debian's BIOS installer lays a disk out: /boot on
primary partition 1, the PV on logical partition 5 in extended partition 2),
booted by its own GRUB from the disk with SeaBIOS (`vm build --initramfs
dracut --label msdos`).

a. Its root PV (/dev/vda5) converted live with `pv2luks convert
   --update-crypttab` under the writer that logs every acknowledged write,
   then `dracut -f --regenerate-all`; the reboot asks for the passphrase
   (systemd-cryptsetup in dracut's initramfs), the harness types it, and the
   system reaches multi-user with root on LVM on LUKS and every acknowledged
   write present.

The guest scripts, the record of acknowledged writes and the checks are
vm_root.py's (shared with test_vm_root_convert_slow.py)."""
import pytest

from vm_root import Variant, build_image, live_conversion_then_encrypted_boot

VARIANT = Variant(
    build_args=("--initramfs", "dracut", "--label", "msdos"), pv="/dev/vda5",
    regenerate="dracut -f --regenerate-all", prompt="Please enter passphrase for disk",
    half_converted="/dev/vda5 is half converted", recovery_prompt="Enter the passphrase for /dev/vda5")


@pytest.fixture(scope="module")
def vm_image(tmp_path_factory):
    return build_image(tmp_path_factory, VARIANT)


def test_root_pv_on_logical_partition_converted_live_then_dracut_boots_it(vm_image, tmp_path):
    live_conversion_then_encrypted_boot(VARIANT, vm_image, tmp_path)
