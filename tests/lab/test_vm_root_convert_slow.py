"""Issue 7 end to end: a real Debian 12 system (systemd, udev, root on LVM),
built by `pv2luks-harness vm build`, converts its own root PV live with
`pv2luks convert --update-crypttab` while a writer keeps writing to the
root filesystem; `update-initramfs -u` (the follow-up pv2luks prints); then a
second boot, where the initramfs asks for the passphrase and the harness
types it, must reach multi-user with root on LVM on LUKS and every
acknowledged write present.

The independent record of acknowledged writes: the writer in the guest
writes a 4 KiB random block to a file of its own, fsyncs it and its
directory, and only then prints "ACK n sha256" on the serial console. The
host keeps those lines (the console is outside the guest's disk) and, after
the reboot, the guest checks each one.

Power cut: the script prints CUT NOW once the move is 40% done and the
harness kills QEMU on that line. The next boot's initramfs (pv2luks's hook,
installed by vm build before any conversion) asks for the passphrase and
maps the half-converted PV; the system comes up on it, the writer runs again
and `pv2luks resume --update-crypttab` with update-initramfs finishes under
it; the third boot is an ordinary encrypted one with every acknowledged
write from both runs present.

Negative control: the same conversion without update-initramfs must be seen
as "did not come up encrypted": the old initramfs knows no crypttab line,
never asks for the passphrase, gives up waiting for the root VG and (panic=10,
QEMU's -no-reboot) ends the VM; vm run exits 1 with no script run.

The hook's cost (issue 16): the same Debian guest's initramfs, built by its
own update-initramfs in a chroot (harness/initramfs-size.sh), grows by at
most 3 MiB compressed when the pv2luks package ci/package makes is
installed."""
import os
import pathlib
import re
import shutil
import subprocess
import time

import pytest

from conftest import BUILD_DIR, SOURCE_DIR

HARNESS = BUILD_DIR / "harness" / "pv2luks-harness"
# What pv2luks's initramfs hook may add to an initramfs, compressed (issue 16).
INITRAMFS_HOOK_LIMIT = 3 << 20
PASSPHRASE = "root volume passphrase"

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

CONVERT = r"""#!/bin/bash
set -uo pipefail
""" + WRITER + r"""
# With CUT_AT_PERCENT, "CUT NOW" once the move is that far: the harness cuts
# the power on that line.
cut_filter() {
	local line
	while IFS= read -r line; do
		echo "$line"
		if [ -n "${CUT_AT_PERCENT:-}" ] &&
		   [[ $line =~ \"phase\":\"move\",\"done_bytes\":([0-9]+),\"total_bytes\":([0-9]+) ]] &&
		   [ $((BASH_REMATCH[1] * 100)) -ge $((BASH_REMATCH[2] * CUT_AT_PERCENT)) ]; then
			echo "CUT NOW"
		fi
	done
}
pv=$(pvs --noheadings -o pv_name -S vg_name=guestvg | tr -d ' ')
echo "PV $pv"
echo "ROOT-BEFORE $(findmnt -n -o SOURCE /)"
writer 0 &
sleep 3
started=$(date +%s.%N)
pv2luks convert "$pv" --update-crypttab --yes --key-file ./key --pbkdf pbkdf2 \
	--pbkdf-force-iterations 1000 --progress-json | cut_filter
echo "CONVERT exit=${PIPESTATUS[0]}"
echo "CONVERT-SECONDS $(seconds_since "$started")"
sleep 3
touch /run/pvw-stop
wait
echo "CRYPTTAB $(grep -v '^#' /etc/crypttab | tr -s ' ' | head -1)"
if [ "${SKIP_INITRAMFS:-}" = "" ]; then
	started=$(date +%s.%N)
	update-initramfs -u -k all > /dev/null 2>&1; echo "INITRAMFS exit=$?"
	echo "INITRAMFS-SECONDS $(seconds_since "$started")"
fi
lsblk -n -o NAME,TYPE | sed 's/^/LSBLK1 /'
sync
"""

# After the power cut: the initramfs mapped the half-converted PV (pv2luks's
# hook asked for the passphrase); the documented recovery finishes the
# conversion under the running system, with the writer going again.
RECOVER = r"""#!/bin/bash
set -uo pipefail
""" + WRITER + CHECK_ACKS + r"""
pv=/dev/vda2
echo "ROOT-RECOVERED $(findmnt -n -o SOURCE /)"
lsblk -n -o NAME,TYPE | sed 's/^/LSBLK-MID /'
check_acks ACKS-MID
pv2luks status "$pv" | sed 's/^/STATUS-MID /'
writer 100000 &
sleep 3
started=$(date +%s.%N)
pv2luks resume "$pv" --update-crypttab --yes --key-file ./key --progress-json
echo "RESUME exit=$?"
echo "RESUME-SECONDS $(seconds_since "$started")"
sleep 3
touch /run/pvw-stop
wait
echo "CRYPTTAB $(grep -v '^#' /etc/crypttab | tr -s ' ' | head -1)"
update-initramfs -u -k all > /dev/null 2>&1; echo "INITRAMFS exit=$?"
sync
"""

AFTER_REBOOT = r"""#!/bin/bash
set -uo pipefail
""" + CHECK_ACKS + r"""
echo "ROOT-AFTER $(findmnt -n -o SOURCE /)"
name=$(awk '!/^#/ && NF { print $1; exit }' /etc/crypttab)
cryptsetup status "$name" | sed 's/^/STATUS /'
lsblk -n -o NAME,TYPE | sed 's/^/LSBLK2 /'
echo "AUTOACTIVATION $(vgs --noheadings --separator : -o vg_autoactivation,vg_tags guestvg | tr -d ' ')"
check_acks ACKS
"""


def field(text, name):
    match = re.search(rf"^{name}[ =](\S+)", text, re.M)
    assert match, f"{name} missing from the output"
    return match.group(1)


def run(argv, timeout):
    started = time.monotonic()
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, errors="replace",
                            timeout=timeout)
    return result, time.monotonic() - started


@pytest.fixture(scope="module")
def vm_image(tmp_path_factory):
    for tool in ("debootstrap", "debugfs", "sfdisk", "mkfs.ext4"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} missing: run ci/install-deps")
    image = tmp_path_factory.mktemp("vm") / "debian.img"
    result, seconds = run([HARNESS, "vm", "build", "--distro", "debian", image, "--size", "2G"],
                          timeout=3600)
    assert result.returncode == 0, result.stderr[-3000:]
    print(f"VM build: {seconds:.0f} s")
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


def converted(vm_image, tmp_path, env="", cut=False):
    """Run 1: the writer and the live conversion of the root PV (cut short
    with `cut`: the power goes when the script prints CUT NOW)."""
    image = tmp_path / "disk.img"
    subprocess.run(["cp", "--sparse=always", vm_image, image], check=True)
    shutil.copy(f"{vm_image}.boot", f"{image}.boot")
    script = tmp_path / "convert.sh"
    script.write_text(CONVERT.replace("set -uo pipefail\n", f"set -uo pipefail\n{env}\n", 1))
    key = tmp_path / "key"
    key.write_text(PASSPHRASE)
    first, seconds = run([HARNESS, "vm", "run", image, "--script", script, "--file", key,
                          "--timeout", "2400", *(["--power-cut-on-line", "CUT NOW"] if cut else [])],
                         timeout=2700)
    (tmp_path / "convert.console").write_text(first.stdout + first.stderr)
    print(first.stdout[-4000:], first.stderr[-2000:])
    print(f"VM boot + convert run: {seconds:.0f} s")
    assert first.returncode == 0, first.stderr[-3000:]
    if cut:
        assert "power cut on 'CUT NOW'" in first.stderr
        assert "CONVERT exit" not in first.stdout, "the conversion ended before the cut"
    else:
        assert field(first.stdout, "CONVERT exit") == "0"
    during = acks_during_move(first.stdout)
    print(f"ACKs: {len(acks_in(first.stdout))}, {len(during)} of them during the move")
    assert len(during) >= 5, "too few writes acknowledged while the data moved"
    save_acks(tmp_path, acks_in(first.stdout))
    return image, key, first.stdout


def boot(image, key, tmp_path, script_text, name, timeout=1200):
    """A vm run of script_text with the passphrase typed at the prompt."""
    script = tmp_path / f"{name}.sh"
    script.write_text(script_text)
    result, seconds = run([HARNESS, "vm", "run", image, "--script", script, "--file", key,
                           "--file", tmp_path / "acks", "--passphrase-file", key,
                           "--timeout", str(timeout)], timeout=timeout + 300)
    (tmp_path / f"{name}.console").write_text(result.stdout + result.stderr)
    print(result.stdout[-4000:], result.stderr[-2000:])
    print(f"VM {name} run: {seconds:.0f} s")
    return result


def assert_came_up_encrypted(result, tmp_path, crypt_name):
    """The reboot asked for the passphrase and reached multi-user with root
    on LVM on LUKS, its VG autoactivating, and every acknowledged write there."""
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Please unlock disk" in result.stdout
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


def test_root_pv_converted_live_then_boots_encrypted(vm_image, tmp_path):
    image, key, first = converted(vm_image, tmp_path)
    assert field(first, "ROOT-BEFORE") == "/dev/mapper/guestvg-root"
    assert field(first, "INITRAMFS exit") == "0"
    assert_lvm_told(first)
    name = crypttab_name(first)
    assert_came_up_encrypted(boot(image, key, tmp_path, AFTER_REBOOT, "reboot"), tmp_path, name)


def test_power_cut_mid_conversion_then_the_documented_recovery(vm_image, tmp_path):
    """The power goes 40% into the move. The old initramfs (pv2luks's hook in
    it) asks for the passphrase and maps the half-converted PV; the system
    comes up on it; `pv2luks resume --update-crypttab` and update-initramfs
    finish the job under the running system, and the next boot is an
    ordinary encrypted one."""
    image, key, _ = converted(vm_image, tmp_path, env="export CUT_AT_PERCENT=40", cut=True)
    recovered = boot(image, key, tmp_path, RECOVER, "recover", timeout=1800)
    assert recovered.returncode == 0, recovered.stderr[-3000:]
    assert "/dev/vda2 is half converted" in recovered.stdout
    assert "Enter the passphrase for /dev/vda2" in recovered.stdout
    assert field(recovered.stdout, "ROOT-RECOVERED") == "/dev/mapper/guestvg-root"
    before_cut = len((tmp_path / "acks").read_text().splitlines())
    assert ack_counts(recovered.stdout, "ACKS-MID") == (before_cut, 0)
    assert field(recovered.stdout, "RESUME exit") == "0", recovered.stdout[-3000:]
    assert_lvm_told(recovered.stdout)
    assert field(recovered.stdout, "INITRAMFS exit") == "0"
    name = crypttab_name(recovered.stdout)
    save_acks(tmp_path, acks_in(recovered.stdout))
    assert_came_up_encrypted(boot(image, key, tmp_path, AFTER_REBOOT, "reboot"), tmp_path, name)


def test_negative_control_without_update_initramfs_does_not_come_up(vm_image, tmp_path):
    image, key, _ = converted(vm_image, tmp_path, env="export SKIP_INITRAMFS=1")
    second = boot(image, key, tmp_path, AFTER_REBOOT, "reboot")
    assert second.returncode == 1, second.stderr[-3000:]
    assert "Please unlock disk" not in second.stdout
    assert "PV2LUKS-VM-EXIT" not in second.stdout


def test_the_hook_adds_at_most_3_mib_to_the_initramfs():
    """The packaged pv2luks must be among what the hook added (else nothing
    was measured), and no libguestfs library."""
    if not shutil.which("debootstrap"):
        pytest.skip("debootstrap missing: run ci/install-deps")
    packaged = subprocess.run([SOURCE_DIR / "ci" / "package"], capture_output=True, text=True,
                              timeout=3600,
                              env={**os.environ, "PACKAGE_BUILD_DIR": str(BUILD_DIR / "package")})
    assert packaged.returncode == 0, packaged.stderr[-3000:]
    core = next(pathlib.Path(p) for p in packaged.stdout.split()
                if pathlib.Path(p).name.startswith("pv2luks_"))
    result, seconds = run([SOURCE_DIR / "harness" / "initramfs-size.sh", core], timeout=1800)
    print(result.stdout, f"measured in {seconds:.0f} s")
    assert result.returncode == 0, result.stderr[-3000:]
    sizes = dict(re.findall(r"^initramfs (\S+) (\d+) \d+$", result.stdout, re.M))
    added = int(sizes[core.name]) - int(sizes["without"])
    print(f"the hook adds {added} bytes ({added / 2**20:.2f} MiB)")
    assert "added: usr/sbin/pv2luks" in result.stdout
    assert "guestfs" not in result.stdout
    assert 0 < added <= INITRAMFS_HOOK_LIMIT


# The root-PV guard (issue 17): a dry run passes while the initramfs holds
# pv2luks's hook; with the hook gone from the initramfs the conversion is
# refused before anything is written. Root and /boot are read-only from the
# first checksum of the whole disk to the second, so nothing else writes.
GUARD = r"""#!/bin/bash
set -uo pipefail
pv=$(pvs --noheadings -o pv_name -S vg_name=guestvg | tr -d ' ')
kver=$(uname -r)
convert() { pv2luks convert "$pv" --yes --key-file ./key --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "$@"; }
convert --dry-run > dry.out 2>&1; echo "DRY-WITH-HOOK exit=$?"
sed 's/^/DRY-WITH-HOOK /' dry.out | tail -5
rm /usr/share/initramfs-tools/hooks/pv2luks /usr/share/initramfs-tools/scripts/local-top/pv2luks
update-initramfs -u -k all > /dev/null 2>&1; echo "INITRAMFS exit=$?"
echo "HOOK-FILES $(lsinitramfs "/boot/initrd.img-$kver" | grep -c pv2luks)"
journalctl --relinquish-var > /dev/null 2>&1
sync
mount -o remount,ro /boot && mount -o remount,ro /; echo "READ-ONLY exit=$?"
echo "DISK-BEFORE $(sha256sum < /dev/vda | cut -c1-64)"
convert > refused.out 2>&1; echo "CONVERT exit=$?"
sed 's/^/REFUSED /' refused.out
echo "DISK-AFTER $(sha256sum < /dev/vda | cut -c1-64)"
convert --dry-run --force > forced.out 2>&1; echo "DRY-FORCED exit=$?"
grep -c 'warning (--force)' forced.out | sed 's/^/FORCE-WARNINGS /'
"""


def test_root_pv_refused_while_the_initramfs_cannot_recover_it(vm_image, tmp_path):
    image = tmp_path / "disk.img"
    subprocess.run(["cp", "--sparse=always", vm_image, image], check=True)
    shutil.copy(f"{vm_image}.boot", f"{image}.boot")
    key = tmp_path / "key"
    key.write_text(PASSPHRASE)
    (tmp_path / "acks").write_text("")
    result = boot(image, key, tmp_path, GUARD, "guard")
    out = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]
    # Positive control: with the hook in the initramfs the guard lets it pass.
    assert field(out, "DRY-WITH-HOOK exit") == "0", out[-3000:]
    assert field(out, "INITRAMFS exit") == "0"
    assert field(out, "HOOK-FILES") == "0", "the hook is still in the initramfs"
    assert field(out, "READ-ONLY exit") == "0"
    assert field(out, "CONVERT exit") == "1", out[-3000:]
    refusal = "\n".join(line for line in out.splitlines() if line.startswith("REFUSED "))
    assert re.search(r"/dev/vda2 holds the running /, and the initramfs the next boot uses", refusal)
    assert "/boot/initrd.img-" in refusal and "has no pv2luks, pv2luks's recovery hook" in refusal
    assert "update-initramfs -u -k all" in refusal and "--force" in refusal
    assert field(out, "DISK-BEFORE") == field(out, "DISK-AFTER")
    assert field(out, "DRY-FORCED exit") == "0", out[-3000:]
    assert field(out, "FORCE-WARNINGS") == "1"
