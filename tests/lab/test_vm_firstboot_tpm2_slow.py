"""Issue 21's proof on the dracut VM (Debian 12, dracut, msdos label, its
own GRUB; `vm build --initramfs dracut --label msdos`, whose package list
has tpm2-tools beside dracut): a golden image that encrypts itself on first
boot with the machine's TPM, nobody typing anything.

Boot 0 is the image builder: `systemctl enable pv2luks-firstboot.service`.
1. Boot 1, TPM state A: the unit converts the root PV (/dev/vda5) live
   under the writer that logs every acknowledged write on the console,
   rebuilds the initramfs, writes STATE=done; the crypttab line has
   tpm2-device=auto, the dracut snippet asks for tpm2-tss, and the recovery
   key opens the volume with stock cryptsetup (--test-passphrase: the LUKS
   volume is the running root). Boot 2 with A and no passphrase anywhere:
   root comes up on LVM on LUKS, every acknowledged write there.
   Negative control: boot 3 with another machine's TPM (state B) does not
   unlock by itself: the initramfs asks for the passphrase (a wrong one is
   typed, so the boot ends at the second prompt instead of a timeout).
2. The power is cut 40% into the first boot's move. Boot 2 with A, nobody
   typing: pv2luks's dracut hook maps the half-converted PV by the TPM2
   token, the system comes up, the unit resumes by the token and finishes
   (STATE=done) under the writer; every write acknowledged before the cut
   is there. Boot 3 with A, nobody typing: an encrypted root with every
   acknowledged write.

The record of acknowledged writes and its checks are vm_root.py's."""
import re

import pytest

from vm_root import (AFTER_REBOOT, CHECK_ACKS, DRACUT_MSDOS, HARNESS, WRITER, ack_counts, acks_in,
                     build_image, copy_image, field, run, save_acks, script)

VARIANT = DRACUT_MSDOS
UNIT = "pv2luks-firstboot.service"
CRYPTTAB_LINE = r"^CRYPTTAB vda5_crypt UUID=\S+ none luks,tpm2-device=auto$"

ENABLE = f"""
systemctl enable {UNIT}
echo "ENABLED $(systemctl is-enabled {UNIT})"
"""

# Waits for the unit's status file to say it ended; with CUT_AT_PERCENT,
# prints "CUT NOW" (the harness cuts the power on it) once the move is that
# far, as the unit's journal shows ("move   41.0% ...").
WAIT_FOR_UNIT = r"""
status_file=/var/lib/pv2luks/firstboot.status
if [ -n "${CUT_AT_PERCENT:-}" ]; then
	journalctl -u pv2luks-firstboot -f -o cat | while IFS= read -r line; do
		if [[ $line =~ ^move\ +([0-9]+)\. ]] && [ "${BASH_REMATCH[1]}" -ge "$CUT_AT_PERCENT" ]; then
			echo "CUT NOW"
		fi
	done &
fi
for _ in $(seq 1 3000); do
	case $(sed -n 's/^STATE=//p' "$status_file" 2> /dev/null) in
	done | refused | failed | stopped) break ;;
	esac
	sleep 1
done
"""

# Once the unit ended: the writer stopped, then what it left.
STOP_AND_REPORT = r"""
sleep 3
touch /run/pvw-stop
wait "$writer_pid"
sed 's/^/STATUS /' "$status_file"
echo "CRYPTTAB $(grep -v '^#' /etc/crypttab | tr -s ' ' | head -1)"
journalctl -u pv2luks-firstboot -o cat | sed 's/^/UNIT /' | tail -40
"""

FIRST_BOOT = WRITER + r"""
echo "ROOT-BEFORE $(findmnt -n -o SOURCE /)"
writer 0 &
writer_pid=$!
""" + WAIT_FOR_UNIT + STOP_AND_REPORT + r"""
grep -h add_dracutmodules /etc/dracut.conf.d/90-pv2luks-*.conf | sed 's/^/SNIPPET /'
key=$(ls /var/lib/pv2luks/recovery-key-*)
echo "KEYFILE $(stat -c %a "$key") $(wc -c < "$key")"
cryptsetup open --test-passphrase --key-file "$key" "$PV"; echo "RECOVERY-KEY exit=$?"
lsinitrd "/boot/initrd.img-$(uname -r)" | grep -c 'libcryptsetup-token-systemd-tpm2' | sed 's/^/INITRD-TOKEN-PLUGIN /'
sync
"""

RECOVERY_BOOT = WRITER + CHECK_ACKS + r"""
echo "ROOT-RECOVERED $(findmnt -n -o SOURCE /)"
check_acks ACKS-MID
writer 100000 &
writer_pid=$!
""" + WAIT_FOR_UNIT + STOP_AND_REPORT + "sync\n"


def vm_run(image, tmp_path, body, name, tpm, passphrase=None, env="", cut=False, timeout=1800):
    """One boot of `image` running `body`, with the TPM state `tpm`; the
    passphrase typed only when given."""
    path = tmp_path / f"{name}.sh"
    path.write_text(script(VARIANT, body, env))
    acks = tmp_path / "acks"
    if not acks.exists():
        acks.write_text("")
    argv = [HARNESS, "vm", "run", image, "--script", path, "--file", acks, "--tpm", tpm,
            "--timeout", str(timeout)]
    if passphrase is not None:
        secret = tmp_path / f"{name}.passphrase"
        secret.write_text(passphrase)
        argv += ["--passphrase-file", secret]
    if cut:
        argv += ["--power-cut-on-line", "CUT NOW"]
    result, seconds = run(argv, timeout=timeout + 300, console=tmp_path / f"{name}.console")
    print(result.stdout[-5000:], result.stderr[-2000:])
    print(f"VM {name} run: {seconds:.0f} s")
    return result


@pytest.fixture(scope="module")
def vm_image(tmp_path_factory):
    return build_image(tmp_path_factory, VARIANT)


def enabled_image(vm_image, tmp_path):
    image = copy_image(vm_image, tmp_path)
    builder = vm_run(image, tmp_path, ENABLE, "enable", tmp_path / "tpm-builder", timeout=900)
    assert builder.returncode == 0, builder.stderr[-3000:]
    assert "ENABLED enabled" in builder.stdout
    return image


def assert_unattended_encrypted_boot(result, tmp_path):
    """Root on LVM on LUKS with nobody typing, every acknowledged write there."""
    assert result.returncode == 0, result.stderr[-3000:]
    assert VARIANT.prompt not in result.stdout and VARIANT.recovery_prompt not in result.stdout
    assert field(result.stdout, "ROOT-AFTER") == "/dev/mapper/guestvg-root"
    assert re.search(r"^STATUS .* is active and is in use", result.stdout, re.M)
    assert re.search(r"^LSBLK2 .*crypt$", result.stdout, re.M)
    acks = (tmp_path / "acks").read_text().splitlines()
    assert ack_counts(result.stdout, "ACKS") == (len(acks), 0)


def test_first_boot_encrypts_the_root_with_the_tpm_nobody_typing(vm_image, tmp_path):
    image = enabled_image(vm_image, tmp_path)
    machine, other = tmp_path / "tpm-a", tmp_path / "tpm-b"

    first = vm_run(image, tmp_path, FIRST_BOOT, "first", machine, timeout=2700)
    assert first.returncode == 0, first.stderr[-3000:]
    assert field(first.stdout, "ROOT-BEFORE") == "/dev/mapper/guestvg-root"
    assert "STATUS STATE=done" in first.stdout, first.stdout[-5000:]
    assert re.search(CRYPTTAB_LINE, first.stdout, re.M)
    assert re.search(r"^SNIPPET add_dracutmodules\+=\" crypt lvm tpm2-tss \"$", first.stdout, re.M)
    assert "KEYFILE 600 71" in first.stdout
    assert field(first.stdout, "RECOVERY-KEY exit") == "0"
    assert int(field(first.stdout, "INITRD-TOKEN-PLUGIN")) >= 1
    acks = acks_in(first.stdout)
    assert len(acks) >= 5, "too few writes acknowledged during the first boot's conversion"
    save_acks(tmp_path, acks)

    again = vm_run(image, tmp_path, AFTER_REBOOT, "reboot", machine)
    assert_unattended_encrypted_boot(again, tmp_path)

    elsewhere = vm_run(image, tmp_path, "echo SHOULD-NOT-RUN\n", "elsewhere", other,
                       passphrase="not the passphrase", timeout=900)
    assert elsewhere.returncode == 1, elsewhere.stderr[-3000:]
    assert VARIANT.prompt in elsewhere.stdout
    assert "SHOULD-NOT-RUN" not in elsewhere.stdout


def test_a_power_cut_first_boot_is_finished_by_the_next_boot_nobody_typing(vm_image, tmp_path):
    image = enabled_image(vm_image, tmp_path)
    machine = tmp_path / "tpm-a"

    first = vm_run(image, tmp_path, FIRST_BOOT, "first", machine, env="export CUT_AT_PERCENT=40",
                   cut=True, timeout=2700)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "power cut on 'CUT NOW'" in first.stderr
    assert "STATUS STATE=done" not in first.stdout
    save_acks(tmp_path, acks_in(first.stdout))
    assert len(acks_in(first.stdout)) >= 5

    recovered = vm_run(image, tmp_path, RECOVERY_BOOT, "recover", machine, timeout=2700)
    assert recovered.returncode == 0, recovered.stderr[-3000:]
    assert VARIANT.half_converted in recovered.stdout
    assert "/dev/vda5 opened by its TPM2 token" in recovered.stdout
    assert VARIANT.recovery_prompt not in recovered.stdout
    assert field(recovered.stdout, "ROOT-RECOVERED") == "/dev/mapper/guestvg-root"
    before_cut = len((tmp_path / "acks").read_text().splitlines())
    assert ack_counts(recovered.stdout, "ACKS-MID") == (before_cut, 0)
    assert "STATUS STATE=done" in recovered.stdout, recovered.stdout[-5000:]
    assert "pv2luks-firstboot: resuming /dev/vda5" in recovered.stdout
    assert re.search(CRYPTTAB_LINE, recovered.stdout, re.M)
    save_acks(tmp_path, acks_in(recovered.stdout))

    last = vm_run(image, tmp_path, AFTER_REBOOT, "reboot", machine)
    assert_unattended_encrypted_boot(last, tmp_path)
