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

Negative control: the same conversion without update-initramfs must be seen
as "did not come up encrypted": the old initramfs knows no crypttab line,
never asks for the passphrase, gives up waiting for the root VG and (panic=10,
QEMU's -no-reboot) ends the VM; vm run exits 1 with no script run."""
import re
import shutil
import subprocess
import time

import pytest

from conftest import BUILD_DIR

HARNESS = BUILD_DIR / "harness" / "pv2luks-harness"
PASSPHRASE = "root volume passphrase"

CONVERT = r"""#!/bin/bash
set -uo pipefail
pv=$(pvs --noheadings -o pv_name -S vg_name=guestvg | tr -d ' ')
echo "PV $pv"
echo "ROOT-BEFORE $(findmnt -n -o SOURCE /)"
mkdir -p /var/lib/pvw
writer() {
	local n=0 sum
	while [ ! -e /run/pvw-stop ]; do
		n=$((n + 1))
		head -c 4096 /dev/urandom > "/var/lib/pvw/$n"
		sum=$(sha256sum < "/var/lib/pvw/$n" | cut -c1-64)
		sync "/var/lib/pvw/$n" /var/lib/pvw   # the block and its name are durable
		echo "ACK $n $sum"
		sleep 0.2
	done
}
writer &
sleep 3
started=$(date +%s.%N)
pv2luks convert "$pv" --update-crypttab --yes --key-file ./key --pbkdf pbkdf2 \
	--pbkdf-force-iterations 1000
echo "CONVERT exit=$?"
echo "CONVERT-SECONDS $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
sleep 3
touch /run/pvw-stop
wait
echo "CRYPTTAB $(grep -v '^#' /etc/crypttab | tr -s ' ' | head -1)"
if [ "${SKIP_INITRAMFS:-}" = "" ]; then
	started=$(date +%s.%N)
	update-initramfs -u -k all > /dev/null 2>&1; echo "INITRAMFS exit=$?"
	echo "INITRAMFS-SECONDS $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
fi
lsblk -n -o NAME,TYPE | sed 's/^/LSBLK1 /'
sync
"""

AFTER_REBOOT = r"""#!/bin/bash
set -uo pipefail
echo "ROOT-AFTER $(findmnt -n -o SOURCE /)"
name=$(awk '!/^#/ && NF { print $1; exit }' /etc/crypttab)
cryptsetup status "$name" | sed 's/^/STATUS /'
lsblk -n -o NAME,TYPE | sed 's/^/LSBLK2 /'
ok=0 bad=0
while read -r _ n sum; do
	if [ "$(sha256sum < "/var/lib/pvw/$n" 2>/dev/null | cut -c1-64)" = "$sum" ]; then
		ok=$((ok + 1)); else bad=$((bad + 1)); echo "LOST $n"; fi
done < ./acks
echo "ACKS ok=$ok bad=$bad"
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


def converted(vm_image, tmp_path, env=""):
    image = tmp_path / "disk.img"
    subprocess.run(["cp", "--sparse=always", vm_image, image], check=True)
    shutil.copy(f"{vm_image}.boot", f"{image}.boot")
    script = tmp_path / "convert.sh"
    script.write_text(CONVERT.replace("set -uo pipefail\n", f"set -uo pipefail\n{env}\n", 1))
    key = tmp_path / "key"
    key.write_text(PASSPHRASE)
    first, seconds = run([HARNESS, "vm", "run", image, "--script", script, "--file", key,
                          "--timeout", "2400"], timeout=2700)
    (tmp_path / "convert.console").write_text(first.stdout + first.stderr)
    print(first.stdout[-4000:], first.stderr[-2000:])
    print(f"VM boot + convert run: {seconds:.0f} s")
    assert first.returncode == 0, first.stderr[-3000:]
    assert field(first.stdout, "CONVERT exit") == "0"
    acks = [line for line in first.stdout.splitlines() if re.match(r"^ACK \d+ [0-9a-f]{64}$", line)]
    assert len(acks) >= 10, "the writer acknowledged too few writes"
    (tmp_path / "acks").write_text("\n".join(acks) + "\n")
    return image, key, first.stdout


def reboot(image, key, tmp_path):
    script = tmp_path / "after.sh"
    script.write_text(AFTER_REBOOT)
    result, seconds = run([HARNESS, "vm", "run", image, "--script", script, "--file",
                           tmp_path / "acks", "--passphrase-file", key, "--timeout", "1200"],
                          timeout=1500)
    (tmp_path / "reboot.console").write_text(result.stdout + result.stderr)
    print(result.stdout[-4000:], result.stderr[-2000:])
    print(f"VM reboot run: {seconds:.0f} s")
    return result


def test_root_pv_converted_live_then_boots_encrypted(vm_image, tmp_path):
    image, key, first = converted(vm_image, tmp_path)
    assert field(first, "ROOT-BEFORE") == "/dev/mapper/guestvg-root"
    assert field(first, "INITRAMFS exit") == "0"
    crypttab = re.search(r"^CRYPTTAB (\S+) UUID=(\S+) none luks", first, re.M)
    assert crypttab, first[-3000:]
    second = reboot(image, key, tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Please unlock disk" in second.stdout
    assert field(second.stdout, "ROOT-AFTER") == "/dev/mapper/guestvg-root"
    assert re.search(rf"^STATUS .*{crypttab.group(1)} is active and is in use", second.stdout, re.M)
    assert re.search(r"^LSBLK2 .*crypt$", second.stdout, re.M)
    assert field(second.stdout, "ACKS") == f"ok={len((tmp_path / 'acks').read_text().split(chr(10))) - 1}"
    assert "bad=0" in second.stdout


def test_negative_control_without_update_initramfs_does_not_come_up(vm_image, tmp_path):
    image, key, first = converted(vm_image, tmp_path, env="export SKIP_INITRAMFS=1")
    second = reboot(image, key, tmp_path)
    assert second.returncode == 1, second.stderr[-3000:]
    assert "Please unlock disk" not in second.stdout
    assert "PV2LUKS-VM-EXIT" not in second.stdout
