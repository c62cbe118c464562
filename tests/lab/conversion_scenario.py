"""The conversion scenario the live and resume tests share: a PV with an
ext4 LV under file load, a raw LV under O_DIRECT block load and an unmounted
two-segment LV, converted with a known passphrase; and the checks after the
conversion, through stock cryptsetup."""
import re

# Fills vg/cold with random data, makes ext4 on vg/fs and starts the load on
# it and on vg/raw. Leaves the load running and the passphrase in
# $LAB_OUT/key.
FILL_AND_LOAD = r"""
dd if=/dev/urandom of=/dev/vg/cold bs=1M oflag=direct status=none || true
echo "COLD-BEFORE $(sha256sum < /dev/vg/cold | cut -d' ' -f1)"
mkfs.ext4 -q /dev/vg/fs
mkdir -p /run/fs && mount /dev/vg/fs /run/fs
printf 'correct horse battery staple' > "$LAB_OUT/key"
pv2luks-harness load start --log "$LAB_OUT/load" --dir /run/fs --raw /dev/vg/raw
sleep 2
"""

# Makes the PV and its LVs (fs, cold in two segments, raw), then
# FILL_AND_LOAD. Leaves $disk set.
SETUP = r"""
disk=$(readlink -f "$LAB_DISKS/pv")
pvcreate -q --setphysicalvolumesize 136M "$disk"
vgcreate -q -s 4M vg "$disk"
lvcreate -q -n fs -L 48M vg
lvcreate -q -n cold -L 24M vg
lvcreate -q -n spacer -L 4M vg
lvextend -q -L +20M vg/cold                  # cold: two segments
lvremove -q -y vg/spacer
lvcreate -q -n raw -l 100%FREE vg
echo "cold segments: $(lvs --noheadings -o seg_count vg/cold | tr -d ' ')"
""" + FILL_AND_LOAD

CONVERT_ARGS = ('--yes --key-file "$LAB_OUT/key" --pbkdf pbkdf2 --pbkdf-force-iterations 1000 '
                '--progress-json')

# After the conversion (finished by convert or by resume, the VG possibly
# still active on DEV_crypt): close everything, then open the volume with
# stock cryptsetup and check every LV and every acknowledged write.
VERIFY_WITH_STOCK_CRYPTSETUP = r"""
disk=$(readlink -f "$LAB_DISKS/pv")
name=$(basename "$disk")_crypt
umount /run/fs 2>/dev/null
vgchange -an vg > /dev/null 2>&1
dmsetup remove "$name" 2>/dev/null
cryptsetup luksDump "$disk" | grep -E '^(Version|Cipher|	offset|Data segments)|offset:' | head -5
cryptsetup open "$disk" pvcrypt --key-file "$LAB_OUT/key"; echo "OPEN exit=$?"
vgchange -ay vg > /dev/null; echo "ACTIVATE exit=$?"
# pv2luks turned the VG's autoactivation off for the conversion and back on.
echo "AUTOACTIVATION $(vgs --noheadings --separator : -o vg_autoactivation,vg_tags vg | tr -d ' ')"
# A power cut leaves the ext4 journal to replay: mounting replays it (as a
# boot would), then the check is read-only.
mkdir -p /run/fs && mount /dev/vg/fs /run/fs && umount /run/fs
e2fsck -fn /dev/vg/fs > /dev/null 2>&1; echo "FSCK exit=$?"
echo "COLD-AFTER $(sha256sum < /dev/vg/cold | cut -d' ' -f1)"
mkdir -p /run/fs && mount /dev/vg/fs /run/fs
pv2luks-harness load verify --log "$LAB_OUT/load"; echo "VERIFY exit=$?"
umount /run/fs; vgchange -an vg > /dev/null; cryptsetup close pvcrypt
"""

# After a live conversion under SETUP's load: the load stopped, and the VG
# and the crypt device closed, ready for a check on the next boot.
STOP_AND_CLOSE = r"""
sleep 2
pv2luks-harness load stop --log "$LAB_OUT/load"
umount /run/fs
vgchange -an vg > /dev/null
dmsetup remove vda_crypt
"""

# The same check with the volume opened by its TPM2 token instead of the
# passphrase (`--token-only`: no prompt, no key file).
VERIFY_BY_TOKEN = "#!/bin/bash\nset -uo pipefail\n" + VERIFY_WITH_STOCK_CRYPTSETUP.replace(
    'cryptsetup open "$disk" pvcrypt --key-file "$LAB_OUT/key"',
    'cryptsetup open --token-only "$disk" pvcrypt')


def tpm2_lab(tmp_path):
    """(disk spec, out directory, TPM state A, TPM state B) of a TPM2 test:
    a 160 MiB PV image kept between boots, two machines' TPMs."""
    out = tmp_path / "out"
    out.mkdir()
    return f"pv:160M:{tmp_path / 'pv.img'}", out, tmp_path / "tpm", tmp_path / "tpm-other"


def cut_at_fifth_mirror(lab, script, disk, out, tpm, ended):
    """Runs `script` on TPM state `tpm` until the power is cut at the fifth
    chunk's mirror (test point "chunk-mirror 4"); `ended` (the line the
    script prints after the conversion) must not have come."""
    first = lab(script, disk, extra=["--out", out, "--tpm", tpm,
                                     "--power-cut-on-line", "test point: chunk-mirror 4"])
    assert first.returncode == 0 and "power cut" in first.stderr, first.stderr
    assert ended not in first.stdout
    return first


def field(stdout, name):
    match = re.search(rf"^{name}[ =](\S+)", stdout, re.M)
    assert match, f"{name} missing from the output"
    return match.group(1)


def assert_verified(converted, verified):
    """The checks of VERIFY_WITH_STOCK_CRYPTSETUP all passed, and the cold LV
    is what it was before the conversion (COLD-BEFORE in `converted`)."""
    assert field(verified, "OPEN exit") == "0"
    assert field(verified, "ACTIVATE exit") == "0"
    assert field(verified, "AUTOACTIVATION") == "enabled:", "autoactivation not restored"
    assert field(verified, "FSCK exit") == "0"
    assert field(verified, "COLD-AFTER") == field(converted, "COLD-BEFORE")
    assert field(verified, "VERIFY exit") == "0"
    assert re.search(r"load verify: \d+ acknowledged writes checked .*: OK", verified)
