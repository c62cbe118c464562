#!/bin/bash
# Builds dracut initramfs images with pv2luks's dracut module in a Debian 12
# chroot, for tests/host/test_dracut_module_slow.py.
#
# Usage: tests/host/dracut-chroot.sh BUILD_DIR OUT_DIR
#
# The chroot comes from the Debian 12 tarball harness/debian-image.sh caches
# ($PV2LUKS_LAB_CACHE, default ~/.cache/pv2luks-lab, debian-bookworm-*.tar:
# initramfs-tools, cryptsetup, lvm2, a kernel), with `apt-get install
# dracut` (which removes initramfs-tools), libboost-filesystem (pv2luks
# needs it) and the TSS libraries: the first run downloads ~2 MB and takes a few minutes; the
# result is cached beside it as dracut-bookworm-<key>.tar. pv2luks goes in
# as a user installs it: `DESTDIR=ROOT cmake --install BUILD_DIR --prefix
# /usr --component core`. Then, for the chroot's kernel:
#   dracut -f /tmp/with.img KVER                     the module in (default)
#   dracut -f --omit pv2luks /tmp/without.img KVER   the negative control
# and writes into OUT_DIR: with.list and without.list (lsinitrd listings),
# with.hook (the hook as the image holds it) and kernel_version. Exit 77 when
# the tarball is missing (run harness/debian-image.sh once, or the slow VM
# tests).
# Needs root (chroot, mounts); cleans up its mounts and chroot on exit.
set -euo pipefail
build=$(cd "$1" && pwd)
out=$2
cache=${PV2LUKS_LAB_CACHE:-$HOME/.cache/pv2luks-lab}
base=$(ls "$cache"/debian-bookworm-*.tar 2>/dev/null | head -1) || true
[ -n "$base" ] || { echo "dracut-chroot: no $cache/debian-bookworm-*.tar" >&2; exit 77; }
# The TSS libraries: what the TPM2 token plugin loads (pv2luks's module puts
# them in beside it).
packages="dracut cryptsetup-bin lvm2 dmsetup libboost-filesystem1.74.0 libtss2-esys-3.0.2-0 libtss2-rc0 libtss2-mu0 libtss2-tcti-device0"
key=$( { basename "$base"; echo "$packages"; } | sha256sum | cut -c1-16)
tarball=$cache/dracut-bookworm-$key.tar
mkdir -p "$out"
root=$(mktemp -d /tmp/pv2luks-dracut-chroot.XXXXXX)
mounted=()
cleanup() {
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -R "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"; done
	rm -rf --one-file-system "$root"
}
trap cleanup EXIT
bind() { mount "$@"; mounted+=("${@: -1}"); }

if [ -f "$tarball" ]; then
	tar -C "$root" -xf "$tarball"
	bind -t proc proc "$root/proc"
	bind --rbind /dev "$root/dev"
	bind -t sysfs sys "$root/sys"
else
	tar -C "$root" -xf "$base"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
	chmod +x "$root/usr/sbin/policy-rc.d"
	bind -t proc proc "$root/proc"
	bind --rbind /dev "$root/dev"
	bind -t sysfs sys "$root/sys"
	chroot "$root" apt-get update -q > "$out/apt.log" 2>&1
	chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		$packages >> "$out/apt.log" 2>&1
	rm -f "$root"/boot/initrd.img-*  # dracut's own first image: not needed
	tar -C "$root" --one-file-system --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -cf "$tarball.part" .
	mv "$tarball.part" "$tarball"
fi

DESTDIR=$root cmake --install "$build" --prefix /usr --component core > "$out/install.log"
kver=$(ls "$root/lib/modules" | head -1)
echo "$kver" > "$out/kernel_version"
chroot "$root" dracut -q -f /tmp/with.img "$kver"
chroot "$root" lsinitrd /tmp/with.img > "$out/with.list"
chroot "$root" dracut -q -f --omit pv2luks /tmp/without.img "$kver"
chroot "$root" lsinitrd /tmp/without.img > "$out/without.list"
hook=$(awk '/pv2luks-recover\.sh$/ { print $NF; exit }' "$out/with.list")
if [ -n "$hook" ]; then chroot "$root" lsinitrd -f "$hook" /tmp/with.img > "$out/with.hook"; fi
echo "dracut-chroot: images for $kver listed in $out"
