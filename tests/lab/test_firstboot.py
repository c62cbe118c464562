"""pv2luks-firstboot, the program of pv2luks-firstboot.service (issue 21,
part 3), in the lab guest with a software TPM. The lab's / is the host's,
so a stub `findmnt` on PATH says / is on vg/fs (everything else the program
runs is real: lvm, pv2luks, cryptsetup); stub `dracut` and
`update-initramfs` record the initramfs rebuild, and a tmpfs on /var/lib
holds the state directory (the host's root is read-only in the guest).

1. Under the file and block load, the program converts the PV of vg with
   the TPM (state A) and a recovery key, rebuilds the initramfs once,
   writes STATE=done and the done file. A second run does nothing: it says
   so, and the whole disk's sha256 is the same before and after. The next
   boot with A opens the volume by the token alone, every acknowledged
   write there.
2. The power is cut at the fifth chunk's mirror. The next boot (A) runs the
   dracut module's recovery hook (converter/dracut/pv2luks-recover.sh, as
   dracut's initqueue would): it maps the half-converted PV by the TPM2
   token with nobody typing, and activates the VG. The program then
   resumes by the token (STATE=resuming, then done); the volume opens by
   the token with every acknowledged write.
Negative control: booted with another TPM (state B) after the cut, the
hook does not map the PV and asks for the passphrase instead (the
prompt is on the console; nothing answers it). Mapped then with the
recovery key, the program's resume by the token is refused: STATE=failed,
EXIT=2, the message naming the recovery key, no done file (so the boot
with A above still finishes it), the disk byte-identical."""
import re
import shutil

from conftest import SOURCE_DIR
from conversion_scenario import (SETUP, STOP_AND_CLOSE, VERIFY_BY_TOKEN, assert_verified,
                                 cut_at_fifth_mirror, field, tpm2_lab)

# The guest sees the host's / but not its /tmp (a tmpfs of its own), where a
# clone may live: both scripts go to the guest through the --out share.
SOURCES = [SOURCE_DIR / "converter" / "firstboot" / "pv2luks-firstboot",
           SOURCE_DIR / "converter" / "dracut" / "pv2luks-recover.sh"]
PROGRAM = '"$LAB_OUT/pv2luks-firstboot"'
HOOK = '"$LAB_OUT/pv2luks-recover.sh"'


def firstboot_lab(tmp_path):
    """tpm2_lab's paths, with the program and the hook in the out share."""
    disk, out, state, other = tpm2_lab(tmp_path)
    for source in SOURCES:
        shutil.copy2(source, out)
    return disk, out, state, other


STUBS = r"""
mkdir -p /run/stub
cat > /run/stub/findmnt <<'EOS'
#!/bin/sh
if [ "$*" = "-n -o SOURCE /" ]; then echo /dev/mapper/vg-fs; exit 0; fi
exec /usr/bin/findmnt "$@"
EOS
for tool in dracut update-initramfs; do
	printf '#!/bin/sh\necho "INITRAMFS-STUB %s $*"\n' "$tool" > "/run/stub/$tool"
done
chmod +x /run/stub/*
export PATH=/run/stub:$PATH
mount -t tmpfs -o mode=0755 tmpfs /var/lib
status() { sed 's/^/STATUS /' /var/lib/pv2luks/firstboot.status; }
"""

FIRST_BOOT = "#!/bin/bash\nset -uo pipefail\n" + SETUP + STUBS + f"""
{PROGRAM} > /run/firstboot.out 2>&1
echo "FIRSTBOOT exit=$?"
sed 's/^/OUT /' /run/firstboot.out
status
echo "DONE-FILE $(test -e /var/lib/pv2luks/firstboot.done && echo yes || echo no)"
ls -l /var/lib/pv2luks | sed 's/^/LS /'
cp /var/lib/pv2luks/recovery-key-vda "$LAB_OUT/recovery.key"
before=$(sha256sum < "$disk")
{PROGRAM} > /run/again.out 2>&1
echo "AGAIN exit=$? same=$([ "$before" = "$(sha256sum < "$disk")" ] && echo yes || echo no)"
sed 's/^/AGAIN-OUT /' /run/again.out
""" + STOP_AND_CLOSE



def test_first_boot_converts_the_root_vg_once_under_load(lab, tmp_path):
    disk, out, state, _ = firstboot_lab(tmp_path)
    first = lab(FIRST_BOOT, disk, extra=["--out", out, "--tpm", state])
    assert first.returncode == 0, first.stderr
    assert field(first.stdout, "FIRSTBOOT exit") == "0", first.stdout[-3000:]
    assert "STATUS STATE=done" in first.stdout and "STATUS DEVICE=/dev/vda" in first.stdout
    assert "DONE-FILE yes" in first.stdout
    assert "pv2luks-firstboot: converting /dev/vda" in first.stdout
    assert re.search(r"^OUT vda_crypt UUID=\S+ none luks,tpm2-device=auto$", first.stdout, re.M)
    # One initramfs rebuild, by whichever tool is there (the stubs: both).
    assert len(re.findall(r"^OUT INITRAMFS-STUB ", first.stdout, re.M)) == 1, first.stdout
    assert re.search(r"^LS -rw------- .* recovery-key-vda$", first.stdout, re.M), first.stdout
    assert len((out / "recovery.key").read_text()) == 71
    assert "AGAIN exit=0 same=yes" in first.stdout
    assert "ran before; nothing to do" in first.stdout

    again = lab(VERIFY_BY_TOKEN, disk, extra=["--out", out, "--tpm", state])
    assert again.returncode == 0, again.stderr
    assert_verified(first.stdout, again.stdout)


# The recovery key in the out share: it outlives the power cut (the
# guest's /var/lib is a tmpfs), for the boot with another TPM.
KEYS = 'export PV2LUKS_RECOVERY_KEY_DIR="$LAB_OUT/keys"\n'

UNTIL_CUT = "#!/bin/bash\nset -uo pipefail\n" + SETUP + STUBS + KEYS + f"""
PV2LUKS_TEST_POINTS=1 {PROGRAM}
echo "FIRSTBOOT exit=$?"
sleep 120
"""

# The recovery boot: the dracut hook (as dracut's initqueue runs it), then
# the program, as the unit would once the system is up.
RECOVERY_BOOT = "#!/bin/bash\nset -uo pipefail\n" + STUBS + f"""
mkdir -p /run/fs
disk=$(readlink -f "$LAB_DISKS/pv")
sh {HOOK} < /dev/null > /run/hook.out 2>&1
sed 's/^/HOOK /' /run/hook.out
echo "MAPPED $(test -b /dev/mapper/vda_crypt && echo yes || echo no)"
{PROGRAM} > /run/firstboot.out 2>&1
echo "FIRSTBOOT exit=$?"
sed 's/^/OUT /' /run/firstboot.out
status
""" + VERIFY_BY_TOKEN.split("\n", 2)[2]

# Another machine's TPM: the hook's token attempt fails and it asks; the
# prompt goes to the console, where nothing answers. A person then maps the
# PV with the recovery key (as typed at that prompt), and the program's
# resume by the token is refused: STATE=failed naming the recovery key, no
# done file (the next boot tries again), nothing written.
ELSEWHERE = "#!/bin/bash\nset -uo pipefail\n" + STUBS + KEYS + f"""
disk=$(readlink -f "$LAB_DISKS/pv")
before=$(sha256sum < "$disk")
timeout 60 sh {HOOK} < /dev/null > /run/hook.out 2>&1
sed 's/^/HOOK /' /run/hook.out
echo "MAPPED $(test -b /dev/mapper/vda_crypt && echo yes || echo no)"
echo "SAME $([ "$before" = "$(sha256sum < "$disk")" ] && echo yes || echo no)"
pv2luks resume "$disk" --activate-only --yes --key-file "$LAB_OUT/keys/recovery-key-vda" \
	> /run/map.out 2>&1
echo "BY-RECOVERY-KEY exit=$?"
vgchange -ay vg > /dev/null
before=$(sha256sum < "$disk")
{PROGRAM} > /run/firstboot.out 2>&1
echo "FIRSTBOOT exit=$?"
sed 's/^/OUT /' /run/firstboot.out
status
echo "DONE-FILE $(test -e /var/lib/pv2luks/firstboot.done && echo yes || echo no)"
echo "SAME-AFTER-PROGRAM $([ "$before" = "$(sha256sum < "$disk")" ] && echo yes || echo no)"
vgchange -an vg > /dev/null
"""


def test_a_power_cut_first_boot_is_finished_by_the_next_boot_unattended(lab, tmp_path):
    disk, out, state, other = firstboot_lab(tmp_path)
    first = cut_at_fifth_mirror(lab, UNTIL_CUT, disk, out, state, "FIRSTBOOT exit")

    elsewhere = lab(ELSEWHERE, disk, extra=["--out", out, "--tpm", other])
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert "MAPPED no" in elsewhere.stdout and "SAME yes" in elsewhere.stdout, elsewhere.stdout
    console = elsewhere.stdout + elsewhere.stderr
    assert "opened by its TPM2 token" not in console
    # The hook printed why the token failed, then asked with
    # --disable-external-tokens: no try went through the token again (each
    # would say "...; asking for the passphrase or recovery key instead").
    assert "give the recovery key instead" in console, console[-3000:]
    assert "asking for the passphrase or recovery key instead" not in console, console[-3000:]
    assert field(elsewhere.stdout, "BY-RECOVERY-KEY exit") == "7", elsewhere.stdout[-3000:]
    assert field(elsewhere.stdout, "FIRSTBOOT exit") == "1", elsewhere.stdout[-3000:]
    assert "STATUS STATE=failed" in elsewhere.stdout and "STATUS EXIT=2" in elsewhere.stdout
    assert re.search(r"^STATUS MESSAGE=.*pv2luks resume /dev/vda --key-file \S+/keys/"
                     r"recovery-key-vda --update-crypttab", elsewhere.stdout, re.M), elsewhere.stdout
    assert "DONE-FILE no" in elsewhere.stdout and "SAME-AFTER-PROGRAM yes" in elsewhere.stdout

    last = lab(RECOVERY_BOOT, disk, extra=["--out", out, "--tpm", state])
    assert last.returncode == 0, last.stderr
    assert "/dev/vda opened by its TPM2 token" in last.stdout + last.stderr
    assert "MAPPED yes" in last.stdout
    assert field(last.stdout, "FIRSTBOOT exit") == "0", last.stdout[-3000:]
    assert "pv2luks-firstboot: resuming /dev/vda" in last.stdout
    assert "STATUS STATE=done" in last.stdout
    # The resume's crypttab line: its staged header carried the token.
    assert re.search(r"^OUT vda_crypt UUID=\S+ none luks,tpm2-device=auto$", last.stdout, re.M)
    assert "Enter the passphrase" not in last.stdout + last.stderr
    assert_verified(first.stdout, last.stdout)
