"""Resume's refusals and --activate-only: a corrupted journal is refused with
the disk byte-identical, and --activate-only lets the LVs be used before a
resume finishes under them. Split from test_resume.py so the two run side
by side in the lab phase."""
import re

from conversion_scenario import VERIFY_WITH_STOCK_CRYPTSETUP, assert_verified, field
from resume_scenario import convert_until_cut


CORRUPT_THEN_RESUME = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
sectors=$(blockdev --getsz "$disk")
journal=$(( (sectors - 2048) / 8 * 8 ))
disk_sum() { sha256sum < "$disk" | cut -d' ' -f1; }
flip() {  # flips the low bit of the byte at byte offset $1 (twice restores it)
	local byte=$(dd if="$disk" bs=1 skip="$1" count=1 status=none | od -An -tu1 | tr -d ' ')
	printf "\\x$(printf %02x $(( byte ^ 1 )))" | dd of="$disk" bs=1 seek="$1" conv=notrunc,fsync status=none
}
try() {
	local before=$(disk_sum)
	pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" 2> /run/err; local code=$?
	echo "CASE $1 exit=$code same=$([ "$(disk_sum)" = "$before" ] && echo yes || echo no) msg=$(tr '\n' ' ' < /run/err)"
}
flip $(( (journal + 16) * 512 + 300 ))          # inside the staged header copy
try header
flip $(( (journal + 16) * 512 + 300 ))          # undo it
flip $(( journal * 512 + 20 )); flip $(( (journal + 8) * 512 + 20 ))   # both record slots
try records
flip $(( journal * 512 + 20 )); flip $(( (journal + 8) * 512 + 20 ))   # undo them
printf 'wrong passphrase' > /run/wrong
before=$(disk_sum)
pv2luks resume "$disk" --yes --key-file /run/wrong 2> /run/err
echo "CASE passphrase exit=$? same=$([ "$(disk_sum)" = "$before" ] && echo yes || echo no) msg=$(tr '\n' ' ' < /run/err)"
pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" > /dev/null; echo "RESUME exit=$?"
""" + VERIFY_WITH_STOCK_CRYPTSETUP


def test_a_corrupted_journal_is_refused_and_nothing_written(lab, tmp_path):
    """A flipped byte in the staged header, in both record slots, or a wrong
    passphrase: resume refuses (exit 6; 2 for the passphrase), the whole disk
    is byte-identical, and
    once the damage is undone resume finishes the job."""
    disk, out, first = convert_until_cut(
        lab, tmp_path, ["--power-cut-on-line", "test point: chunk-done 1"])
    second = lab(CORRUPT_THEN_RESUME, disk, extra=["--out", out])
    assert second.returncode == 0, second.stderr
    cases = dict(re.findall(r"^CASE (\w+) (.*)$", second.stdout, re.M))
    assert set(cases) == {"header", "records", "passphrase"}, cases
    for name, case in cases.items():
        code = 2 if name == "passphrase" else 6  # no permission; refused otherwise
        assert case.startswith(f"exit={code} same=yes"), case
        assert "nothing was written" in case
    assert "copy of the LUKS header does not match its checksum" in cases["header"]
    assert "checksum mismatch" in cases["records"]
    assert "passphrase" in cases["passphrase"] or "No key available" in cases["passphrase"]
    assert field(second.stdout, "RESUME exit") == "0"
    assert_verified(first.stdout, second.stdout)


ACTIVATE_THEN_RESUME = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
pv2luks resume "$disk" --activate-only --yes --key-file "$LAB_OUT/key" 2> /run/act.err
echo "ACTIVATE-ONLY exit=$?"; cat /run/act.err
vgchange -ay --devices /dev/mapper/vda_crypt vg > /dev/null; echo "VGCHANGE exit=$?"
mkdir -p /run/fs && mount /dev/vg/fs /run/fs; echo "MOUNT exit=$?"
echo "COLD-MID $(sha256sum < /dev/vg/cold | cut -d' ' -f1)"
pv2luks-harness load start --log "$LAB_OUT/load" --dir /run/fs --raw /dev/vg/raw
sleep 2
pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" > /dev/null; echo "RESUME exit=$?"
sleep 2
pv2luks-harness load stop --log "$LAB_OUT/load"
""" + VERIFY_WITH_STOCK_CRYPTSETUP


def test_activate_only_then_resume_under_the_mounted_lvs(lab, tmp_path):
    """After a power cut the LVs can be used before the conversion finishes:
    --activate-only maps the PV as the journal records it; the VG activates
    on it, the filesystem mounts and takes load, and a resume finishes
    underneath."""
    disk, out, first = convert_until_cut(
        lab, tmp_path, ["--power-cut-on-line", "test point: chunk-done 3"])
    second = lab(ACTIVATE_THEN_RESUME, disk, extra=["--out", out])
    assert second.returncode == 0, second.stderr
    text = second.stdout
    assert field(text, "ACTIVATE-ONLY exit") == "7"
    assert "vgchange -ay --devices /dev/mapper/vda_crypt" in text
    assert field(text, "VGCHANGE exit") == "0" and field(text, "MOUNT exit") == "0"
    assert field(text, "COLD-MID") == field(first.stdout, "COLD-BEFORE")
    assert field(text, "RESUME exit") == "0"
    assert_verified(first.stdout, text)
