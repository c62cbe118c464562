"""lab run --tpm STATE_DIR: a software TPM whose state makes the machine.

A LUKS2 volume enrolled with systemd-cryptenroll on the TPM of state A
unlocks by that TPM alone (cryptsetup's systemd-tpm2 token) when the guest
boots again with A, and does not with state B: the negative control that
shows the unlock came from A's TPM and nothing else.
"""
import os
import stat

ENROLL = """#!/bin/bash
set -e
dev=$LAB_DISKS/vol
key=$LAB_OUT/key
ls -l /dev/tpm0 /dev/tpmrm0
(umask 077; printf 'lab tpm passphrase' > "$key")
cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "$dev" "$key"
systemd-cryptenroll --unlock-key-file="$key" --tpm2-device=auto --tpm2-pcrs= "$dev"
rm "$key"
cryptsetup luksDump "$dev" | grep -A1 "^Tokens:"
cryptsetup open --token-only "$dev" t
echo "marker of the machine with state A" | dd of=/dev/mapper/t conv=fsync status=none
cryptsetup close t
echo ENROLLED
"""

OPEN = """#!/bin/bash
dev=$LAB_DISKS/vol
if cryptsetup open --token-only "$dev" t; then
  echo "UNLOCKED: $(head -c 34 /dev/mapper/t)"
  cryptsetup close t
else
  echo "NOT UNLOCKED"
fi
"""


def test_the_tpm_state_dir_is_the_machine(lab, tmp_path):
    state_a, state_b = tmp_path / "tpm-a", tmp_path / "tpm-b"
    volume = tmp_path / "vol.img"
    out = tmp_path / "out"
    out.mkdir()

    enrolled = lab(ENROLL, f"vol:32M:{volume}", extra=["--tpm", state_a, "--out", out])
    assert enrolled.returncode == 0, enrolled.stderr
    assert "/dev/tpmrm0" in enrolled.stdout
    assert "systemd-tpm2" in enrolled.stdout and "ENROLLED" in enrolled.stdout
    # The state directory is made private, and swtpm keeps its state there.
    assert stat.S_IMODE(os.stat(state_a).st_mode) == 0o700
    assert (state_a / "tpm2-00.permall").is_file()

    again = lab(OPEN, f"vol:auto:{volume}", extra=["--tpm", state_a])
    assert again.returncode == 0, again.stderr
    assert "UNLOCKED: marker of the machine with state A" in again.stdout

    other = lab(OPEN, f"vol:auto:{volume}", extra=["--tpm", state_b])
    assert other.returncode == 0, other.stderr
    assert "NOT UNLOCKED" in other.stdout and "UNLOCKED:" not in other.stdout

    without = lab(OPEN, f"vol:auto:{volume}")
    assert "NOT UNLOCKED" in without.stdout


def test_no_swtpm_is_left_running(lab, tmp_path):
    state = tmp_path / "tpm"
    result = lab("#!/bin/sh\ntest -c /dev/tpmrm0 && echo HAS-TPM\n", extra=["--tpm", state])
    assert result.returncode == 0 and "HAS-TPM" in result.stdout
    # swtpm ends with QEMU: nothing holds the state directory's lock.
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
        except OSError:
            continue
        assert str(state) not in cmdline, f"swtpm {pid} still runs: {cmdline}"
