"""convert --tpm2-device: keys nobody types. A live conversion under load
enrols the lab's software TPM (state A) and writes a recovery key; the
next boot with A opens the volume by the TPM alone (cryptsetup's
systemd-tpm2 token), with every acknowledged write there. Negative
control: booted with another machine's TPM (state B) the token does not
open it, and the recovery key file, as stock cryptsetup's key file, does.
A power cut mid-move, resumed by the token: test_convert_tpm2_resume_slow.py
(slow label; the default run's test_firstboot.py resumes by the token after
a power cut too, through the dracut hook and pv2luks-firstboot).
Refusals (no TPM, a recovery key file already there) leave the disk
byte-identical and write no key."""
import re

from conversion_scenario import (SETUP, STOP_AND_CLOSE, VERIFY_BY_TOKEN,
                                 VERIFY_WITH_STOCK_CRYPTSETUP, assert_verified, field, tpm2_lab)

CONVERT = "#!/bin/bash\nset -uo pipefail\n" + SETUP + r"""
pv2luks convert "$disk" --yes --tpm2-device auto --recovery-key-file "$LAB_OUT/recovery.key" \
	> /run/convert.out 2>&1
echo "CONVERT exit=$?"
sed 's/^/OUT /' /run/convert.out
echo "KEYFILE $(stat -c %a "$LAB_OUT/recovery.key") $(wc -c < "$LAB_OUT/recovery.key")"
cryptsetup luksDump "$disk" | grep -E '^\s+[0-9]+: (luks2|systemd-tpm2)$' | sed 's/^\s*/DUMP /'
""" + STOP_AND_CLOSE


# On another machine's TPM: the token must fail; then the recovery key file
# as stock cryptsetup's key file.
BY_RECOVERY_KEY = "#!/bin/bash\nset -uo pipefail\n" + r"""
disk=$(readlink -f "$LAB_DISKS/pv")
if cryptsetup open --token-only "$disk" probe; then echo "TOKEN opened"; cryptsetup close probe
else echo "TOKEN refused"; fi
""" + VERIFY_WITH_STOCK_CRYPTSETUP.replace(
    'cryptsetup open "$disk" pvcrypt --key-file "$LAB_OUT/key"',
    'cryptsetup open "$disk" pvcrypt --key-file "$LAB_OUT/recovery.key"')


def test_tpm2_conversion_unlocks_on_its_machine_only(lab, tmp_path):
    disk, out, state_a, state_b = tpm2_lab(tmp_path)

    converted = lab(CONVERT, disk, extra=["--out", out, "--tpm", state_a])
    assert converted.returncode == 0, converted.stderr
    assert field(converted.stdout, "CONVERT exit") == "0", converted.stdout[-3000:]
    assert re.search(r"^OUT vda_crypt UUID=\S+ none luks,tpm2-device=auto$", converted.stdout, re.M)
    assert "Enter a new passphrase" not in converted.stdout
    # 0600, and systemd-cryptenroll's format: 8 groups of 8 modhex, no newline.
    assert "KEYFILE 600 71" in converted.stdout
    key = (out / "recovery.key").read_text()
    assert re.fullmatch(r"([cbdefghijklnrtuv]{8}-){7}[cbdefghijklnrtuv]{8}", key), key
    assert key.strip() not in converted.stdout + converted.stderr, "the recovery key was printed"
    assert re.findall(r"^DUMP (.*)$", converted.stdout, re.M) == ["0: luks2", "1: luks2",
                                                                "0: systemd-tpm2"]

    again = lab(VERIFY_BY_TOKEN, disk, extra=["--out", out, "--tpm", state_a])
    assert again.returncode == 0, again.stderr
    assert_verified(converted.stdout, again.stdout)

    elsewhere = lab(BY_RECOVERY_KEY, disk, extra=["--out", out, "--tpm", state_b])
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert "TOKEN refused" in elsewhere.stdout
    assert_verified(converted.stdout, elsewhere.stdout)


REFUSALS = r"""#!/bin/bash
set -u
disk=$(readlink -f "$LAB_DISKS/pv")
pvcreate -q --setphysicalvolumesize 24M "$disk"
vgcreate -q -s 1M vg "$disk"
lvcreate -q -n lv -L 16M vg
dd if=/dev/urandom of=/dev/vg/lv bs=1M status=none oflag=direct || true
sum() { sha256sum < "$disk" | cut -d' ' -f1; }
try() {
	local name=$1 before after rc out; shift
	before=$(sum)
	out=$(pv2luks convert "$disk" --yes --tpm2-device auto "$@" 2>&1)
	rc=$?
	after=$(sum)
	echo "CASE $name exit=$rc same=$([ "$before" = "$after" ] && echo yes || echo no) msg=$(printf '%s' "$out" | tr '\n' ' ')"
}
try no-tpm --recovery-key-file "$LAB_OUT/new.key"
echo "NEWKEY $(test -e "$LAB_OUT/new.key" && echo written || echo none)"
echo "old key" > "$LAB_OUT/old.key"
try key-file-exists --recovery-key-file "$LAB_OUT/old.key"
echo "OLDKEY $(cat "$LAB_OUT/old.key")"
"""


def test_tpm2_refusals_write_nothing(lab, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = lab(REFUSALS, "pv:32M", extra=["--out", out])
    assert result.returncode == 0, result.stderr
    cases = dict(re.findall(r"^CASE (\S+) (.*)$", result.stdout, re.M))
    assert set(cases) == {"no-tpm", "key-file-exists"}, result.stdout
    for name, line in cases.items():
        assert "exit=6 same=yes" in line, (name, line)
    assert "found no TPM 2.0" in cases["no-tpm"]
    assert "NEWKEY none" in result.stdout
    assert "the file exists" in cases["key-file-exists"]
    assert "OLDKEY old key" in result.stdout
