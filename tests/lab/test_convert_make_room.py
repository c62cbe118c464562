"""A PV that fills its disk: convert refuses with the exact extents to free
and the lvm commands that free them; following that advice literally and
running again with --make-room converts it. After the move the crypttab is
updated, LVM's devices file names the new device, and a reboot into stock
cryptsetup finds every LV as it was."""
import re

FILL_THEN_FOLLOW_ADVICE = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
disk_sum() { sha256sum < "$disk" | cut -d' ' -f1; }
# An LVM configuration of our own, with a devices file in use.
cp -r "$LVM_SYSTEM_DIR" /run/lvm-sys && export LVM_SYSTEM_DIR=/run/lvm-sys
sed -i 's/use_devicesfile = 0/use_devicesfile = 1/' /run/lvm-sys/lvm.conf
mkdir -p /run/lvm-sys/devices
pvcreate -q "$disk" && lvm lvmdevices --yes --adddev "$disk"
vgcreate -q -s 4M vg "$disk"
lvcreate -q -n fs -l 12 vg                  # PE 0-11
lvcreate -q -n front -l 6 vg                # PE 12-17
lvcreate -q -n raw -l 100%FREE vg           # PE 18-38: the PV's end
lvremove -q -y vg/front                     # free: PE 12-17
echo "PV $(pvs --noheadings --units s --nosuffix -o pe_start,pv_pe_count,dev_size "$disk")"
dd if=/dev/urandom of=/dev/vg/raw bs=1M oflag=direct status=none
mkfs.ext4 -q /dev/vg/fs && mkdir -p /run/fs && mount /dev/vg/fs /run/fs
seq 1 100000 > /run/fs/numbers && sync
umount /run/fs
for lv in fs raw; do echo "BEFORE $lv $(sha256sum < /dev/vg/$lv | cut -d' ' -f1)"; done
printf 'correct horse battery staple' > "$LAB_OUT/key"
printf '# kept\nother UUID=1234 none luks\n' > /run/crypttab
opts=(--yes --key-file "$LAB_OUT/key" --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --crypttab /run/crypttab)

before=$(disk_sum)
pv2luks convert "$disk" "${opts[@]}" --make-room 2> /run/refused
echo "REFUSED exit=$? same=$([ "$(disk_sum)" = "$before" ] && echo yes || echo no)"
cat /run/refused
advice=$(grep -o 'pvmove --alloc anywhere [^ ]* [^ ;,]*' /run/refused)
echo "ADVICE $advice"
$advice > /dev/null; echo "PVMOVE exit=$?"

pv2luks convert "$disk" "${opts[@]}" --make-room --update-crypttab
echo "CONVERT exit=$?"
for lv in fs raw; do echo "LIVE $lv $(sha256sum < /dev/vg/$lv | cut -d' ' -f1)"; done
echo "CRYPTTAB-BEGIN"; cat /run/crypttab; echo "CRYPTTAB-END"
echo "DEVICES $(grep -o 'DEVNAME=[^ ]*' /run/lvm-sys/devices/system.devices | tr '\n' ' ')"
echo "PVS $(pvs --noheadings -o pv_name,vg_name | tr -s ' ')"
vgchange -an vg > /dev/null && dmsetup remove vda_crypt
"""

AFTER_REBOOT = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
cryptsetup open "$disk" pvcrypt --key-file "$LAB_OUT/key"; echo "OPEN exit=$?"
vgchange -ay vg > /dev/null; echo "ACTIVATE exit=$?"
e2fsck -fn /dev/vg/fs > /dev/null 2>&1; echo "FSCK exit=$?"
for lv in fs raw; do echo "AFTER $lv $(sha256sum < /dev/vg/$lv | cut -d' ' -f1)"; done
vgchange -an vg > /dev/null; cryptsetup close pvcrypt
"""


def sums(stdout, prefix):
    return dict(re.findall(rf"^{prefix} (\w+) ([0-9a-f]{{64}})$", stdout, re.M))


def test_advice_followed_literally_then_make_room(lab, tmp_path):
    disk = f"pv:157M:{tmp_path / 'pv.img'}"  # 1 MiB + 39 extents: no room after the PV
    out = tmp_path / "out"
    out.mkdir()
    first = lab(FILL_THEN_FOLLOW_ADVICE, disk, extra=["--out", out])
    assert first.returncode == 0, first.stderr
    text = first.stdout
    assert "REFUSED exit=6 same=yes" in text
    assert "Free the PV's last 5 extents (PE 34-38 of 4 MiB each)" in text
    assert "They hold vg/raw." in text
    assert re.search(r"^ADVICE pvmove --alloc anywhere /dev/vda:34-38 /dev/vda:0-33$", text, re.M)
    assert "PVMOVE exit=0" in text
    assert "CONVERT exit=0" in text
    assert "--make-room: the PV's last 5 extents are free" in text
    assert "ran: pvresize --yes --setphysicalvolumesize" in text
    before, live = sums(text, "BEFORE"), sums(text, "LIVE")
    assert len(before) == 2 and live == before
    crypttab = text.split("CRYPTTAB-BEGIN\n")[1].split("CRYPTTAB-END")[0]
    assert crypttab.startswith("# kept\nother UUID=1234 none luks\n")
    assert re.search(r"^vda_crypt UUID=[0-9a-f-]{36} none luks$", crypttab, re.M)
    assert "ran: lvm lvmdevices --yes --adddev /dev/mapper/vda_crypt" in text
    assert "ran: pvscan --cache\n" in text
    devices = re.search(r"^DEVICES (.*)$", text, re.M).group(1).split()
    assert devices == ["DEVNAME=/dev/mapper/vda_crypt"], devices
    assert "update-initramfs -u" in text
    assert re.search(r"^PVS\s+/dev/mapper/vda_crypt\s+vg", text, re.M)

    second = lab(AFTER_REBOOT, disk, extra=["--out", out])
    assert second.returncode == 0, second.stderr
    assert "OPEN exit=0" in second.stdout and "ACTIVATE exit=0" in second.stdout
    assert "FSCK exit=0" in second.stdout
    assert sums(second.stdout, "AFTER") == before
