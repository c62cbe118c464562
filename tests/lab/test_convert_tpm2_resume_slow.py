"""convert --tpm2-device, cut by a power cut mid-move (slow label: three
boots; the default run's test_firstboot.py resumes a TPM2 conversion by
its token after a power cut too, through the dracut hook and
pv2luks-firstboot). `resume` with no key file and nothing on stdin opens
the journal's staged header by its token and finishes, and the volume then
opens by the token, every acknowledged write there (negative control: on
another machine's TPM `resume --token-only` is refused, exit 2, the disk
byte-identical)."""
import re

from conversion_scenario import (SETUP, VERIFY_BY_TOKEN, assert_verified, cut_at_fifth_mirror,
                                 field, tpm2_lab)

CONVERT_UNTIL_CUT = "#!/bin/bash\nset -uo pipefail\n" + SETUP + r"""
PV2LUKS_TEST_POINTS=1 pv2luks convert "$disk" --yes --tpm2-device auto \
	--recovery-key-file "$LAB_OUT/recovery.key"
echo "CONVERT exit=$?"
sleep 120
"""

# After the cut, on another machine's TPM (state B): `resume --token-only`
# is refused, exit 2 (as a wrong passphrase), with the whole disk
# byte-identical (sha256). The negative control of the next step: the token
# is what opens it there.
RESUME_ELSEWHERE = "#!/bin/bash\nset -uo pipefail\n" + r"""
disk=$(readlink -f "$LAB_DISKS/pv")
before=$(sha256sum < "$disk")
pv2luks resume "$disk" --yes --token-only > /run/resume.out 2>&1
echo "RESUME exit=$? same=$([ "$before" = "$(sha256sum < "$disk")" ] && echo yes || echo no)"
sed 's/^/OUT /' /run/resume.out
"""

# On its own machine (state A): resume with no key file and nothing on
# stdin, so only the token can open the staged header (a prompt would read
# an empty passphrase and fail); then open by the token and check every
# acknowledged write: the staged header carried the token and its keyslot.
RESUME_THEN_VERIFY_BY_TOKEN = "#!/bin/bash\nset -uo pipefail\n" + r"""
disk=$(readlink -f "$LAB_DISKS/pv")
pv2luks resume "$disk" --yes < /dev/null > /run/resume.out 2>&1
echo "RESUME exit=$?"
sed 's/^/OUT /' /run/resume.out
""" + VERIFY_BY_TOKEN.split("\n", 2)[2]


def test_a_power_cut_tpm2_conversion_resumes_by_its_token(lab, tmp_path):
    disk, out, state, other = tpm2_lab(tmp_path)
    first = cut_at_fifth_mirror(lab, CONVERT_UNTIL_CUT, disk, out, state, "CONVERT exit")

    elsewhere = lab(RESUME_ELSEWHERE, disk, extra=["--out", out, "--tpm", other])
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert "RESUME exit=2 same=yes" in elsewhere.stdout, elsewhere.stdout[-3000:]
    assert "the TPM did not unseal its key" in elsewhere.stdout, elsewhere.stdout
    assert "give the recovery key instead: --key-file FILE" in elsewhere.stdout, elsewhere.stdout

    last = lab(RESUME_THEN_VERIFY_BY_TOKEN, disk, extra=["--out", out, "--tpm", state])
    assert last.returncode == 0, last.stderr
    assert field(last.stdout, "RESUME exit") == "0", last.stdout[-3000:]
    assert "the staged LUKS header opened by its TPM2 token" in last.stdout, last.stdout
    assert "Enter the passphrase" not in last.stdout
    assert re.search(r"^OUT .* none luks,tpm2-device=auto$", last.stdout, re.M), last.stdout
    assert_verified(first.stdout, last.stdout)
