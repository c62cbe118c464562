#!/bin/bash
# The size of the Debian VM's initramfs without and with pv2luks installed:
# the guest of harness/debian-image.sh (Debian 12, its own kernel,
# initramfs-tools, cryptsetup-initramfs and settings), in a chroot of its
# root file system on the host (nothing boots), where the guest's own
# update-initramfs builds the initramfs.
#
# Usage: harness/initramfs-size.sh [--apt-update] PACKAGE...
#
# First the initramfs without pv2luks ('update-initramfs -u'); then each
# PACKAGE (a .deb file, or the name of a Debian package) is installed in
# turn with the guest's apt-get (--no-install-recommends, as a server would;
# a trigger rebuilds the initramfs) and the initramfs is rebuilt and
# measured again. --apt-update: fetch the guest's package lists first, for
# a package name, or a .deb whose dependencies the guest lacks (network).
# Prints, one line each (bytes of the compressed file, files in it), and
# under each package's the paths it added to the initramfs before:
#   initramfs without BYTES FILES
#   initramfs PACKAGE BYTES FILES
#     added: PATH
# Needs root (chroot, mounts in a private mount namespace) and what
# debian-image.sh needs for its root file system (debootstrap, cached).
set -euo pipefail

die() { echo "initramfs-size: $*" >&2; exit 1; }

apt_update=
packages=()
while [ $# -gt 0 ]; do
	case "$1" in
	--apt-update) apt_update=1; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*.deb) [ -f "$1" ] || die "$1: no such file"; packages+=("$(realpath "$1")"); shift ;;
	*) packages+=("$1"); shift ;;
	esac
done
[ "${#packages[@]}" -gt 0 ] || die "usage: initramfs-size.sh [--apt-update] PACKAGE..."
[ "$(id -u)" -eq 0 ] || die "needs root (chroot)"

work=$(mktemp -d "${TMPDIR:-/tmp}/initramfs-size.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/root"
kernel=$("$(dirname "$0")/debian-image.sh" --root-tree "$tree")

# Runs a command in the guest's root, with /proc, /sys and /dev mounted in a
# mount namespace of its own (they go when it ends), and the host's DNS.
in_guest() {
	unshare --mount --propagation private sh -c '
		tree=$1; shift
		mount -t proc proc "$tree/proc" && mount -t sysfs sys "$tree/sys" &&
		mount --bind /dev "$tree/dev" && mount --bind /etc/resolv.conf "$tree/etc/resolv.conf" &&
		chroot "$tree" env DEBIAN_FRONTEND=noninteractive "$@"' sh "$tree" "$@" \
		>> "$work/log" 2>&1 || { tail -30 "$work/log" >&2; die "in the guest, $* failed"; }
}

# Rebuilds the initramfs and prints its line, then the files it has that
# the one before had not.
measure() {
	local initramfs="$tree/boot/initrd.img-$kernel"
	in_guest update-initramfs -u -k "$kernel"
	chroot "$tree" lsinitramfs "/boot/initrd.img-$kernel" | sort > "$work/now.list"
	echo "initramfs $1 $(stat -c %s "$initramfs") $(wc -l < "$work/now.list")"
	[ ! -f "$work/before.list" ] || comm -13 "$work/before.list" "$work/now.list" | sed 's/^/  added: /'
	mv "$work/now.list" "$work/before.list"
}

# A file of its own to bind the host's over (debootstrap's copy; never a
# symbolic link that would lead out of the tree).
rm -f "$tree/etc/resolv.conf"
: > "$tree/etc/resolv.conf"
measure without
[ -z "$apt_update" ] || in_guest apt-get update
for package in "${packages[@]}"; do
	name=$(basename "$package")
	if [ "$name" != "$package" ]; then
		cp "$package" "$tree/tmp/"
		package="/tmp/$name"
	fi
	# --reinstall: a .deb of the version installed replaces it too.
	in_guest apt-get install -y --no-install-recommends --reinstall "$package"
	measure "$name"
done
