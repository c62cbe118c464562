"""What the Debian VM end-to-end tests share (test_vm_root_convert_slow.py:
initramfs-tools on GPT; test_vm_dracut_msdos_slow.py: dracut on an msdos
label): the guest scripts (a writer that logs every acknowledged write on the
console, the live conversion of the root PV, the recovery after a power cut,
the checks after the reboot), building the image, booting it, and the checks
of what the console showed.

The independent record of acknowledged writes: the writer in the guest
writes a 4 KiB random block to a file of its own, fsyncs it and its
directory, and only then prints "ACK n sha256" on the serial console. The
host keeps those lines (the console is outside the guest's disk) and, after
the reboot, the guest checks each one.

A guest script gets, before its body, the Variant's shell lines: PV (the
root PV's device in the guest) and regenerate_initramfs (what pv2luks advises
after --update-crypttab for that initramfs generator)."""
import dataclasses
import re
import shutil
import subprocess
import time

import pytest

from conftest import BUILD_DIR

HARNESS = BUILD_DIR / "harness" / "pv2luks-harness"
PASSPHRASE = "root volume passphrase"


@dataclasses.dataclass(frozen=True)
class Variant:
    """One kind of Debian VM: how vm build makes it and what its boot says."""
    build_args: tuple    # vm build options beyond --distro debian and --size
    pv: str              # the root PV in the guest
    regenerate: str      # the shell command that rebuilds every initramfs
    prompt: str          # the initramfs's passphrase prompt for a LUKS PV
    # pv2luks's initramfs part after a power cut: its message that the PV is
    # half converted, and its passphrase prompt
    half_converted: str
    recovery_prompt: str

    def shell(self):
        return (f"PV={self.pv}\n"
                f"regenerate_initramfs() {{ {self.regenerate}; }}\n")


INITRAMFS_TOOLS_GPT = Variant(
    build_args=(), pv="/dev/vda2", regenerate="update-initramfs -u -k all",
    prompt="Please unlock disk", half_converted="/dev/vda2 is half converted",
    recovery_prompt="Enter the passphrase for /dev/vda2")

# Debian with dracut on an msdos label (test_vm_dracut_msdos_slow.py,
# test_vm_firstboot_tpm2_slow.py).
DRACUT_MSDOS = Variant(
    build_args=("--initramfs", "dracut", "--label", "msdos"), pv="/dev/vda5",
    regenerate="dracut -f --regenerate-all", prompt="Please enter passphrase for disk",
    half_converted="/dev/vda5 is half converted",
    recovery_prompt="Enter the passphrase for /dev/vda5 (pv2luks: its conversion was cut short)")

# The writer: each 4 KiB block and its name are durable (fsync of the file and
# its directory) before its ACK line goes out; blocks count from $1.
WRITER = r"""
mkdir -p /var/lib/pvw
writer() {
	local n=$1 sum
	while [ ! -e /run/pvw-stop ]; do
		n=$((n + 1))
		head -c 4096 /dev/urandom > "/var/lib/pvw/$n"
		sum=$(sha256sum < "/var/lib/pvw/$n" | cut -c1-64)
		sync "/var/lib/pvw/$n" /var/lib/pvw
		echo "ACK $n $sum"
	done
}
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
"""

# Every acknowledged write in ./acks, checked: "$1 ok=N bad=M".
CHECK_ACKS = r"""
check_acks() {
	local ok=0 bad=0
	while read -r _ n sum; do
		if [ "$(sha256sum < "/var/lib/pvw/$n" 2>/dev/null | cut -c1-64)" = "$sum" ]; then
			ok=$((ok + 1)); else bad=$((bad + 1)); echo "LOST $n"; fi
	done < ./acks
	echo "$1 ok=$ok bad=$bad"
}
"""

HEAD = "#!/bin/bash\nset -uo pipefail\n"

# Run 1: the writer and the live conversion of the root PV, then what
# pv2luks advises (unless SKIP_INITRAMFS). With CUT_AT_PERCENT, "CUT NOW"
# once the move is that far: the harness cuts the power on that line. A
# before_convert function, when the env defines one, runs first;
# CONVERT_OPTIONS adds options to the convert command.
CONVERT = WRITER + r"""
cut_filter() {
	local line
	while IFS= read -r line; do
		echo "$line"
		if [ -n "${CUT_AT_PERCENT:-}" ] &&
		   [[ $line =~ \"device_bytes\":\"([0-9]+)\",\"device_size\":\"([0-9]+)\".*\"phase\":\"move\" ]] &&
		   [ $((BASH_REMATCH[1] * 100)) -ge $((BASH_REMATCH[2] * CUT_AT_PERCENT)) ]; then
			echo "CUT NOW"
		fi
	done
}
pv=$(pvs --noheadings -o pv_name -S vg_name=guestvg | tr -d ' ')
echo "PV $pv"
echo "ROOT-BEFORE $(findmnt -n -o SOURCE /)"
if declare -F before_convert > /dev/null; then before_convert; echo "BEFORE-CONVERT exit=$?"; fi
writer 0 &
sleep 3
started=$(date +%s.%N)
pv2luks convert "$pv" --update-crypttab --yes --key-file ./key --pbkdf pbkdf2 \
	--pbkdf-force-iterations 1000 --progress-json ${CONVERT_OPTIONS:-} | cut_filter
echo "CONVERT exit=${PIPESTATUS[0]}"
echo "CONVERT-SECONDS $(seconds_since "$started")"
sleep 3
touch /run/pvw-stop
wait
echo "CRYPTTAB $(grep -v '^#' /etc/crypttab | tr -s ' ' | head -1)"
if [ "${SKIP_INITRAMFS:-}" = "" ]; then
	started=$(date +%s.%N)
	regenerate_initramfs > /dev/null 2>&1; echo "INITRAMFS exit=$?"
	echo "INITRAMFS-SECONDS $(seconds_since "$started")"
fi
lsblk -n -o NAME,TYPE | sed 's/^/LSBLK1 /'
sync
"""

# After the power cut: the initramfs mapped the half-converted PV (pv2luks's
# initramfs part asked for the passphrase); the documented recovery finishes
# the conversion under the running system, with the writer going again.
RECOVER = WRITER + CHECK_ACKS + r"""
echo "ROOT-RECOVERED $(findmnt -n -o SOURCE /)"
lsblk -n -o NAME,TYPE | sed 's/^/LSBLK-MID /'
check_acks ACKS-MID
pv2luks status "$PV" | sed 's/^/STATUS-MID /'
writer 100000 &
sleep 3
started=$(date +%s.%N)
pv2luks resume "$PV" --update-crypttab --yes --key-file ./key --progress-json
echo "RESUME exit=$?"
echo "RESUME-SECONDS $(seconds_since "$started")"
sleep 3
touch /run/pvw-stop
wait
echo "CRYPTTAB $(grep -v '^#' /etc/crypttab | tr -s ' ' | head -1)"
regenerate_initramfs > /dev/null 2>&1; echo "INITRAMFS exit=$?"
sync
"""

AFTER_REBOOT = CHECK_ACKS + r"""
echo "ROOT-AFTER $(findmnt -n -o SOURCE /)"
name=$(awk '!/^#/ && NF { print $1; exit }' /etc/crypttab)
cryptsetup status "$name" | sed 's/^/STATUS /'
lsblk -n -o NAME,TYPE | sed 's/^/LSBLK2 /'
echo "AUTOACTIVATION $(vgs --noheadings --separator : -o vg_autoactivation,vg_tags guestvg | tr -d ' ')"
check_acks ACKS
"""


def script(variant, body, env=""):
    return HEAD + variant.shell() + env + "\n" + body


def field(text, name):
    match = re.search(rf"^{name}[ =](\S+)", text, re.M)
    assert match, f"{name} missing from the output"
    return match.group(1)


def run(argv, timeout, console=None):
    """argv's result and seconds; with `console` (a path), its standard
    output goes there as it comes (to follow a long boot), then is read."""
    started = time.monotonic()
    if console is None:
        # A console carries stray bytes (escape sequences cut by a reboot).
        result = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                                errors="replace", timeout=timeout)
        return result, time.monotonic() - started
    with open(console, "wb") as out:
        result = subprocess.run([str(a) for a in argv], stdout=out, stderr=subprocess.PIPE,
                                timeout=timeout)
    result.stdout = console.read_bytes().decode(errors="replace")
    result.stderr = result.stderr.decode(errors="replace")
    return result, time.monotonic() - started


def build_image(tmp_path_factory, variant):
    for tool in ("debootstrap", "debugfs", "sfdisk", "mkfs.ext4"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} missing: run ci/install-deps")
    image = tmp_path_factory.mktemp("vm") / "debian.img"
    result, seconds = run([HARNESS, "vm", "build", "--distro", "debian", image, "--size", "2G",
                           *variant.build_args], timeout=3600)
    assert result.returncode == 0, result.stderr[-3000:]
    print(f"VM build: {seconds:.0f} s")
    boot = dict(line.split("=", 1) for line in (image.parent / "debian.img.boot").read_text().split())
    assert boot.get("pv", variant.pv) == variant.pv, boot
    return image


def ack_counts(stdout, name):
    """check_acks's "NAME ok=N bad=M" as (N, M)."""
    match = re.search(rf"^{name} ok=(\d+) bad=(\d+)$", stdout, re.M)
    assert match, f"{name} missing from the output"
    return int(match.group(1)), int(match.group(2))


def acks_in(stdout):
    return [line for line in stdout.splitlines() if re.match(r"^ACK \d+ [0-9a-f]{64}$", line)]


def acks_during_move(stdout):
    """The ACK lines between the first and the last progress line of the move."""
    lines = stdout.splitlines()
    moving = [i for i, line in enumerate(lines) if '"phase":"move"' in line]
    assert moving, "no progress line of the move"
    return [line for line in lines[moving[0]:moving[-1]] if line.startswith("ACK ")]


def save_acks(tmp_path, acks):
    with open(tmp_path / "acks", "a") as record:
        record.write("".join(f"{line}\n" for line in acks))


def copy_image(vm_image, tmp_path):
    image = tmp_path / "disk.img"
    subprocess.run(["cp", "--sparse=always", vm_image, image], check=True)
    shutil.copy(f"{vm_image}.boot", f"{image}.boot")
    return image


def converted(variant, vm_image, tmp_path, env="", cut=False):
    """Run 1: the writer and the live conversion of the root PV (cut short
    with `cut`: the power goes when the script prints CUT NOW)."""
    image = copy_image(vm_image, tmp_path)
    convert = tmp_path / "convert.sh"
    convert.write_text(script(variant, CONVERT, env))
    key = tmp_path / "key"
    key.write_text(PASSPHRASE)
    first, seconds = run([HARNESS, "vm", "run", image, "--script", convert, "--file", key,
                          "--timeout", "2400", *(["--power-cut-on-line", "CUT NOW"] if cut else [])],
                         timeout=2700, console=tmp_path / "convert.console")
    print(first.stdout[-4000:], first.stderr[-2000:])
    print(f"VM boot + convert run: {seconds:.0f} s")
    assert first.returncode == 0, first.stderr[-3000:]
    if cut:
        assert "power cut on 'CUT NOW'" in first.stderr
        # (^: "BEFORE-CONVERT exit=" is not the conversion's exit)
        assert not re.search(r"^CONVERT exit=", first.stdout, re.M), \
            "the conversion ended before the cut"
    else:
        assert field(first.stdout, "CONVERT exit") == "0"
    during = acks_during_move(first.stdout)
    print(f"ACKs: {len(acks_in(first.stdout))}, {len(during)} of them during the move")
    assert len(during) >= 5, "too few writes acknowledged while the data moved"
    save_acks(tmp_path, acks_in(first.stdout))
    return image, key, first.stdout


def boot(variant, image, key, tmp_path, body, name, timeout=1200):
    """A vm run of the script `body` with the passphrase typed at the prompt."""
    path = tmp_path / f"{name}.sh"
    path.write_text(script(variant, body))
    if not (tmp_path / "acks").exists():
        (tmp_path / "acks").write_text("")
    result, seconds = run([HARNESS, "vm", "run", image, "--script", path, "--file", key,
                           "--file", tmp_path / "acks", "--passphrase-file", key,
                           "--timeout", str(timeout)], timeout=timeout + 300,
                         console=tmp_path / f"{name}.console")
    print(result.stdout[-4000:], result.stderr[-2000:])
    print(f"VM {name} run: {seconds:.0f} s")
    return result


def assert_came_up_encrypted(variant, result, tmp_path, crypt_name):
    """The reboot asked for the passphrase and reached multi-user with root
    on LVM on LUKS, its VG autoactivating, and every acknowledged write there."""
    assert result.returncode == 0, result.stderr[-3000:]
    assert variant.prompt in result.stdout
    assert field(result.stdout, "ROOT-AFTER") == "/dev/mapper/guestvg-root"
    assert re.search(rf"^STATUS .*{crypt_name} is active and is in use", result.stdout, re.M)
    assert re.search(r"^LSBLK2 .*crypt$", result.stdout, re.M)
    assert field(result.stdout, "AUTOACTIVATION") == "enabled:"
    acks = (tmp_path / "acks").read_text().splitlines()
    assert ack_counts(result.stdout, "ACKS") == (len(acks), 0)


def assert_lvm_told(stdout):
    """pv2luks told LVM where the PV went, without a complaint."""
    assert "pv2luks: ran: pvscan --cache\n" in stdout, stdout[-3000:]
    assert not re.search(r"^pv2luks: .* failed \(", stdout, re.M)


def crypttab_name(stdout):
    crypttab = re.search(r"^CRYPTTAB (\S+) UUID=(\S+) none luks", stdout, re.M)
    assert crypttab, stdout[-3000:]
    return crypttab.group(1)


def live_conversion_then_encrypted_boot(variant, vm_image, tmp_path):
    image, key, first = converted(variant, vm_image, tmp_path)
    assert field(first, "ROOT-BEFORE") == "/dev/mapper/guestvg-root"
    assert field(first, "PV") == variant.pv
    assert field(first, "INITRAMFS exit") == "0"
    assert_lvm_told(first)
    name = crypttab_name(first)
    assert_came_up_encrypted(variant, boot(variant, image, key, tmp_path, AFTER_REBOOT, "reboot"),
                             tmp_path, name)


def power_cut_then_recovery(variant, vm_image, tmp_path):
    """The power goes 40% into the move. The old initramfs (pv2luks's part in
    it) asks for the passphrase and maps the half-converted PV; the system
    comes up on it; `pv2luks resume --update-crypttab` and the initramfs's
    regeneration finish the job under the running system, and the next boot
    is an ordinary encrypted one."""
    image, key, _ = converted(variant, vm_image, tmp_path, env="export CUT_AT_PERCENT=40", cut=True)
    recovered = boot(variant, image, key, tmp_path, RECOVER, "recover", timeout=1800)
    assert recovered.returncode == 0, recovered.stderr[-3000:]
    assert variant.half_converted in recovered.stdout
    assert variant.recovery_prompt in recovered.stdout
    assert field(recovered.stdout, "ROOT-RECOVERED") == "/dev/mapper/guestvg-root"
    before_cut = len((tmp_path / "acks").read_text().splitlines())
    assert ack_counts(recovered.stdout, "ACKS-MID") == (before_cut, 0)
    assert field(recovered.stdout, "RESUME exit") == "0", recovered.stdout[-3000:]
    assert_lvm_told(recovered.stdout)
    assert field(recovered.stdout, "INITRAMFS exit") == "0"
    name = crypttab_name(recovered.stdout)
    save_acks(tmp_path, acks_in(recovered.stdout))
    assert_came_up_encrypted(variant, boot(variant, image, key, tmp_path, AFTER_REBOOT, "reboot"),
                             tmp_path, name)
