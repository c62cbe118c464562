#!/bin/bash
# Builds a small bootable Debian 12 disk image with its root file system on
# LVM, for the end-to-end test of 'pv2luks convert --offline --guest-config'
# (tests/lab/test_offline_guest_boot_slow.py).
#
# Usage: harness/debian-image.sh OUT [--format raw|qcow2] [--size 2G]
#                                    [--marker TEXT] [--initramfs-modules list|most]
#                                    [--tail-room MIB] [--with-pv2luks] [--cache]
#                                    [--build-dir DIR]
#                                    [--initramfs initramfs-tools|dracut]
#                                    [--label gpt|msdos]
#        harness/debian-image.sh --root-tree DIR [--initramfs-modules list|most]
#
# --root-tree DIR: only the guest's root file system, unpacked into DIR (new
# or empty) as the image gets it (fstab, MODULES), with the kernel and the
# initramfs debootstrap built in DIR/boot; prints the kernel version. For
# work with the guest's own tools in a chroot (harness/initramfs-size.sh).
#
# The disk (GPT): partition 1, 256 MiB, ext4, mounted at /boot (plaintext
# after a conversion, so the kernel and initramfs can be read from it);
# partition 2, the rest: an LVM PV with 32 MiB of free room after it (a
# LUKS2 header needs 16 MiB plus the journal's MiB) holding VG guestvg with
# LV root (ext4, the rest of the VG). No boot loader: QEMU boots the guest's
# own /boot/vmlinuz-* and /boot/initrd.img-* with -kernel/-initrd and
# root=/dev/mapper/guestvg-root.
#
# The root file system comes from debootstrap (minbase, bookworm, with
# linux-image-amd64, lvm2, cryptsetup, cryptsetup-initramfs, initramfs-tools,
# zstd and systemd-sysv), cached as a tarball keyed by that recipe under
# $PV2LUKS_LAB_CACHE (default ~/.cache/pv2luks-lab). The first build
# downloads ~150 MB and takes about 4-5 minutes; a cached one about 30 s.
#
# --initramfs-modules: the guest's MODULES in initramfs.conf. "list" (the
# default here) puts only the modules its hooks ask for plus virtio_pci,
# virtio_blk and ext4 into the initramfs; "most" is Debian's default. Both
# are the guest's own choice and change nothing in what --guest-config does,
# but update-initramfs inside libguestfs's appliance under TCG took 20 min
# with "most" and a few with "list" (measured natively: 75 s against 6.5 s).
# The guest prints, on its serial console once systemd reached
# multi-user.target:
#   PV2LUKS-GUEST-MARKER <the text of /etc/pv2luks-marker>
#   PV2LUKS-GUEST-DM <dm name> <dm uuid>       for each device-mapper device
#   PV2LUKS-GUEST-ROOT <the source of />
#   PV2LUKS-GUEST-BOOTED
# and then powers off.
#
# --with-pv2luks: pv2luks installed in the guest as a user would, with
# `cmake --install --prefix /usr --strip --component core` from a build of this source tree without
# libguestfs (BUILD_DIR/guest-pv2luks; a server package must not pull QEMU
# in), then `update-initramfs -u` for its initramfs hook.
# --cache: keep the finished image under the cache directory, keyed by the
# tarball's recipe, this script, the options and pv2luks's binary, and copy
# it from there when nothing changed (the marker is then "pv2luks-vm" unless
# given).
# --tail-room MIB: free room after the PV (default 32; a live conversion of
# the root PV needs the LUKS2 header's 16 MiB plus the journal's MiB).
# --initramfs dracut: Debian 12's dracut (with its crypt and lvm modules)
# instead of initramfs-tools and cryptsetup-initramfs (they conflict): the
# tarball above plus `apt-get install dracut`, cached as a tarball of its
# own keyed by that recipe. The image's initramfs is built in the chroot with
# `dracut --no-hostonly` (a host-only one there would describe the host);
# the guest keeps Debian's dracut configuration, so a `dracut -f` run inside
# it later is what a user gets. With --with-pv2luks, pv2luks's dracut module
# (90pv2luks) is installed by `cmake --install` and the initramfs built
# after it.
# --label msdos: the disk as Debian's BIOS installer lays it out: /boot on
# primary partition 1, an extended partition 2 and the PV on logical
# partition 5 (its free tail room after it, inside the extended partition).
# GRUB (grub-pc-bin's i386-pc image, installed as grub-install would: boot.img
# in the MBR, core.img in the gap before partition 1, modules and grub.cfg on
# /boot) boots it from the disk with the BIOS; OUT.boot says boot=grub and
# `vm run` passes no -kernel. The default, gpt, has no boot loader
# (boot=kernel: -kernel/-initrd from /boot).
#
# A second virtio disk with serial "disk1" holding an ext4 file system with
# run.sh (what `pv2luks-harness vm run --script` attaches) makes the boot
# unit run `bash run.sh` in that directory once multi-user.target is reached,
# its output on the serial console, then print
#   PV2LUKS-VM-EXIT <exit code>
# and power off.
#
# Writes OUT and OUT.boot (KEY=value lines: kernel_version, boot_partition,
# root, marker). The image's initramfs is the one debootstrap built (with
# "most"); --guest-config rebuilds it with the guest's settings. Needs root (loop devices, chroot), debootstrap, e2fsprogs,
# lvm2, fdisk, qemu-utils for qcow2, and pv2luks-harness (--build-dir, default
# ./build).
set -euo pipefail

die() { echo "debian-image: $*" >&2; exit 1; }

out=
format=raw
size=2G
marker=
modules=list
build_dir=build
tail_room_mib=32
with_pv2luks=
use_cache=
root_tree=
initramfs_tool=initramfs-tools
label=gpt
while [ $# -gt 0 ]; do
	case "$1" in
	--root-tree) root_tree=${2:?}; shift 2 ;;
	--format) format=${2:?}; shift 2 ;;
	--size) size=${2:?}; shift 2 ;;
	--marker) marker=${2:?}; shift 2 ;;
	--initramfs-modules) modules=${2:?}; shift 2 ;;
	--build-dir) build_dir=${2:?}; shift 2 ;;
	--tail-room) tail_room_mib=${2:?}; shift 2 ;;
	--with-pv2luks) with_pv2luks=1; shift ;;
	--initramfs) initramfs_tool=${2:?}; shift 2 ;;
	--label) label=${2:?}; shift 2 ;;
	--cache) use_cache=1; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) [ -z "$out" ] || die "one OUT only"; out=$1; shift ;;
	esac
done
[ -n "$out" ] || [ -n "$root_tree" ] \
	|| die "usage: debian-image.sh OUT [--format raw|qcow2] [--size 2G] [--marker TEXT]"
[ -z "$out" ] || [ -z "$root_tree" ] || die "OUT or --root-tree DIR, not both"
[ "$format" = raw ] || [ "$format" = qcow2 ] || die "--format takes raw or qcow2"
[ "$modules" = list ] || [ "$modules" = most ] || die "--initramfs-modules takes list or most"
[ "$initramfs_tool" = initramfs-tools ] || [ "$initramfs_tool" = dracut ] \
	|| die "--initramfs takes initramfs-tools or dracut"
[ "$label" = gpt ] || [ "$label" = msdos ] || die "--label takes gpt or msdos"
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, loop devices)"
for tool in debootstrap mkfs.ext4 tar; do
	command -v "$tool" >/dev/null || die "$tool missing: run ci/install-deps"
done
harness="$build_dir/harness/pv2luks-harness"
[ -n "$root_tree" ] || [ -x "$harness" ] || die "$harness missing: build first (ci/build)"
if [ -z "$marker" ]; then
	# A cached image keeps one marker; otherwise each build gets its own.
	if [ -n "$use_cache" ]; then marker=pv2luks-vm; else marker=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n'); fi
fi
case "$marker" in *[!A-Za-z0-9._-]*) die "--marker takes letters, digits, '.', '_' and '-' only" ;; esac

suite=bookworm
mirror=${PV2LUKS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# udev and the libraries pv2luks needs beyond lvm2's and cryptsetup's
# (libboost-filesystem, libnbd) come in the cached tarball, so installing
# pv2luks needs no network. The TSS libraries let systemd-cryptenroll and
# systemd-cryptsetup use a TPM 2.0 (vm run --tpm).
packages=linux-image-amd64,lvm2,cryptsetup,cryptsetup-initramfs,initramfs-tools,zstd,systemd-sysv,udev,libboost-filesystem1.74.0,libnbd0,libtss2-esys-3.0.2-0,libtss2-rc0,libtss2-mu0,libtss2-tcti-device0
vg=guestvg
boot_mib=256
case "$tail_room_mib" in '' | *[!0-9]*) die "--tail-room takes MiB, e.g. 32" ;; esac
# Bump when the guest set-up below changes, so the cache is rebuilt.
recipe_version=2
cache=${PV2LUKS_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pv2luks-lab}
key=$(printf '%s\n' "$recipe_version" "$suite" "$mirror" "$packages" | sha256sum | cut -c1-16)
tarball="$cache/debian-$suite-$key.tar"
# The variants: that tarball with more packages installed by apt (dracut
# replaces initramfs-tools and cryptsetup-initramfs; tpm2-tools beside it
# makes dracut's tpm2-tss module installable, for `vm run --tpm` and
# `pv2luks convert --tpm2-device`), cached by their recipe.
base_tarball=$tarball
extra_packages=
[ "$initramfs_tool" = initramfs-tools ] || extra_packages="$extra_packages dracut tpm2-tools"
[ "$label" = gpt ] || extra_packages="$extra_packages grub-pc-bin"
extra_packages=${extra_packages# }
if [ -n "$extra_packages" ]; then
	key=$(printf '%s\n' "$key" "$extra_packages" | sha256sum | cut -c1-16)
	tarball="$cache/debian-$suite-$key.tar"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/debian-image.XXXXXX")
cleanup() {
	# debootstrap unmounts what it mounted in its target, unless it was killed.
	for m in proc sys dev/pts dev; do
		if mountpoint -q "$work/bootstrap/$m" 2>/dev/null; then umount "$work/bootstrap/$m" || true; fi
	done
	rm -rf "$work"
}
trap cleanup EXIT

# The guest's own set-up, run once, inside the debootstrap result.
configure_rootfs() {
	local root=$1
	echo pv2luks-guest > "$root/etc/hostname"
	cat > "$root/usr/local/sbin/pv2luks-booted" <<-'EOF'
	#!/bin/sh
	# Announces a finished boot on the serial console (pv2luks's boot test).
	exec >/dev/ttyS0 2>&1
	echo "PV2LUKS-GUEST-MARKER $(cat /etc/pv2luks-marker 2>/dev/null)"
	for d in /sys/block/dm-*; do
		[ -e "$d/dm/name" ] && echo "PV2LUKS-GUEST-DM $(cat "$d/dm/name") $(cat "$d/dm/uuid")"
	done
	echo "PV2LUKS-GUEST-ROOT $(findmnt -n -o SOURCE /)"
	echo "PV2LUKS-GUEST-BOOTED"
	# pv2luks-harness vm run: the script disk (serial disk1), if attached.
	script_disk=/dev/disk/by-id/virtio-disk1
	if [ -b "$script_disk" ]; then
		mkdir -p /run/pv2luks-vm
		if mount "$script_disk" /run/pv2luks-vm; then
			(cd /run/pv2luks-vm && bash ./run.sh < /dev/null)
			echo "PV2LUKS-VM-EXIT $?"
			umount /run/pv2luks-vm
		else
			echo "PV2LUKS-VM-EXIT 125"
		fi
	fi
	systemctl --no-block poweroff
	EOF
	chmod 0755 "$root/usr/local/sbin/pv2luks-booted"
	cat > "$root/etc/systemd/system/pv2luks-booted.service" <<-'EOF'
	[Unit]
	Description=Announce the finished boot on the serial console
	After=multi-user.target
	[Service]
	Type=oneshot
	ExecStart=/usr/local/sbin/pv2luks-booted
	[Install]
	WantedBy=multi-user.target
	EOF
	ln -sf /etc/systemd/system/pv2luks-booted.service \
		"$root/etc/systemd/system/multi-user.target.wants/pv2luks-booted.service"
	chroot "$root" apt-get clean
	rm -rf "$root"/var/lib/apt/lists/*
}

build_tarball() {
	local tarball=$base_tarball
	echo "debian-image: debootstrap $suite ($packages) from $mirror; this takes a few minutes" >&2
	local root="$work/bootstrap"
	debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" \
		> "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
	configure_rootfs "$root"
	mkdir -p "$cache"
	tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -cf "$tarball.tmp.$$" .
	mv "$tarball.tmp.$$" "$tarball"
	rm -rf "$root"
}

# The base tarball with $extra_packages installed by the guest's apt.
build_variant_tarball() {
	[ -s "$base_tarball" ] || build_tarball
	echo "debian-image: apt-get install $extra_packages in the base root file system" >&2
	local root="$work/bootstrap"
	mkdir -p "$root"
	tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -xf "$base_tarball"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf.pv2luks" 2>/dev/null || true
	# dracut builds an initramfs when it is installed: not a host-only one
	# in a chroot (it would describe the host).
	mkdir -p "$root/etc/dracut.conf.d"
	echo 'hostonly="no"' > "$root/etc/dracut.conf.d/00-pv2luks-image-build.conf"
	unshare --mount --propagation private sh -c '
		mount -t proc proc "$1/proc" && mount -t sysfs sys "$1/sys" && mount --bind /dev "$1/dev" &&
		mount --bind "$1/etc/resolv.conf.pv2luks" "$1/etc/resolv.conf" &&
		chroot "$1" apt-get update &&
		DEBIAN_FRONTEND=noninteractive chroot "$1" apt-get install -y --no-install-recommends $2' \
		sh "$root" "$extra_packages" > "$work/variant.log" 2>&1 \
		|| { tail -30 "$work/variant.log" >&2; die "apt-get install $extra_packages in the guest failed"; }
	rm -f "$root/etc/resolv.conf.pv2luks" "$root/etc/dracut.conf.d/00-pv2luks-image-build.conf"
	chroot "$root" apt-get clean
	rm -rf "$root"/var/lib/apt/lists/*
	if [ "$initramfs_tool" = dracut ]; then
		[ ! -e "$root/usr/sbin/update-initramfs" ] || die "initramfs-tools is still installed beside dracut"
	fi
	tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -cf "$tarball.tmp.$$" .
	mv "$tarball.tmp.$$" "$tarball"
	rm -rf "$root"
}

# The guest's root file system from the tarball, unpacked into $1 as the
# image gets it; sets boot_uuid, root_uuid and kernel_version.
unpack_root() {
	local tree=${1:?}
	mkdir -p "$tree"
	tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' -xf "$tarball"
	boot_uuid=$(cat /proc/sys/kernel/random/uuid)
	root_uuid=$(cat /proc/sys/kernel/random/uuid)
	printf '%s\n' "/dev/mapper/$vg-root / ext4 errors=remount-ro 0 1" \
		"UUID=$boot_uuid /boot ext4 defaults 0 2" > "$tree/etc/fstab"
	printf '%s\n' "$marker" > "$tree/etc/pv2luks-marker"
	# No login on the serial console: its getty would hang up ttyS0 (vhangup)
	# under the boot unit, whose output then vanishes.
	ln -sf /dev/null "$tree/etc/systemd/system/serial-getty@ttyS0.service"
	if [ -e "$tree/etc/initramfs-tools/initramfs.conf" ]; then
		sed -i "s/^MODULES=.*/MODULES=$modules/" "$tree/etc/initramfs-tools/initramfs.conf"
		if [ "$modules" = list ]; then
			printf '%s\n' virtio_pci virtio_blk ext4 >> "$tree/etc/initramfs-tools/modules"
		fi
	fi
	kernel_version=$(ls "$tree/boot" | sed -n 's/^vmlinuz-//p' | sort -V | tail -1)
	[ -n "$kernel_version" ] || die "no /boot/vmlinuz-* in the root file system"
}

started=$(date +%s)
if [ ! -s "$tarball" ]; then
	if [ -n "$extra_packages" ]; then build_variant_tarball; else build_tarball; fi
fi
echo "debian-image: root file system from $tarball" >&2
if [ -n "$root_tree" ]; then
	[ ! -e "$root_tree" ] || [ -z "$(ls -A "$root_tree")" ] || die "--root-tree $root_tree is not empty"
	unpack_root "$root_tree"
	echo "$kernel_version"
	exit 0
fi

pv2luks_sum=none
if [ -n "$with_pv2luks" ]; then
	# As a user would install it: configure, build, then `cmake --install`
	# into the guest's tree (below). Incremental after the first time.
	guest_build="$build_dir/guest-pv2luks"
	# The source tree this script came from (followed through the build tree's
	# link, share/pv2luks-harness/debian-image.sh); an installed copy has none:
	# PV2LUKS_SOURCE_DIR names one.
	source_dir=${PV2LUKS_SOURCE_DIR:-$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)}
	[ -f "$source_dir/converter/CMakeLists.txt" ] \
		|| die "--with-pv2luks builds pv2luks from its source, and $source_dir is not a pv2luks source tree: set PV2LUKS_SOURCE_DIR to one"
	# Prefix /usr as the .deb: the first-boot unit names its program's path.
	cmake -S "$source_dir" -B "$guest_build" -DPV2LUKS_WITH_GUESTFS=OFF -DBUILD_TESTING=OFF \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr > "$work/guest-build.log" 2>&1 \
		&& cmake --build "$guest_build" --target pv2luks-cli man-pages package-changelog -j "$(nproc)" \
			>> "$work/guest-build.log" 2>&1 \
		|| { tail -20 "$work/guest-build.log" >&2; die "building pv2luks for the guest failed"; }
	hooks=("$source_dir"/converter/initramfs)
	[ ! -d "$source_dir/converter/dracut" ] || hooks+=("$source_dir/converter/dracut")
	[ ! -d "$source_dir/converter/firstboot" ] || hooks+=("$source_dir/converter/firstboot")
	pv2luks_sum=$( (cat "$guest_build/converter/pv2luks"; find "${hooks[@]}" -type f | sort | xargs cat) \
		| sha256sum | cut -c1-64)
fi
# --cache: the whole image, keyed by everything that goes into it.
if [ -n "$use_cache" ]; then
	image_key=$(printf '%s\n' "$key" "$size" "$tail_room_mib" "$modules" "$marker" "$format" \
		"$initramfs_tool" "$label" \
		"$pv2luks_sum" "$(sha256sum < "$0")" | sha256sum | cut -c1-16)
	cached="$cache/vm-$image_key.$format"
	if [ -s "$cached" ] && [ -s "$cached.boot" ]; then
		cp --sparse=always "$cached" "$out"
		cp "$cached.boot" "$out.boot"
		echo "debian-image: $out from the cache ($cached)" >&2
		exit 0
	fi
fi

# The layout, by pv2luks-harness image build (LVM on a loop device, no
# device-mapper needed); its LVs and partitions are holes to fill below.
size_mib=$(( $(numfmt --from=iec "$size") / 1048576 ))
# msdos: a 1 MiB partition 2 before the PV's becomes the extended
# partition's start (its first logical partition's EBR) below.
if [ "$label" = msdos ]; then ebr_room='{"size": "1M", "type": "linux"},'; else ebr_room=; fi
root_mib=$(( (size_mib - boot_mib - tail_room_mib - 16) / 4 * 4 ))
[ "$root_mib" -ge 1024 ] || die "--size $size is too small (at least 1.4G)"
cat > "$work/layout.json" <<EOF
{
  "disk_size": "${size_mib}M",
  "partition_table": "$label",
  "partitions": [
    {"size": "${boot_mib}M", "type": "linux"}, $ebr_room
    {"size": "rest", "type": "lvm", "pv": true}
  ],
  "pv": {"vg": "$vg", "tail_room": "${tail_room_mib}M", "extent_size": "4M"},
  "lvs": [{"name": "root", "size": "${root_mib}M", "content": "zero"}]
}
EOF
raw="$work/disk.raw"
"$harness" image build "$work/layout.json" "$raw" > /dev/null
read -r _ _ boot_start boot_bytes < <(awk '$1 == "part" && $2 == 1 { print $1, $2, $4, $5 }' "$raw.manifest")
mapfile -t root_segments < <(awk -v lv="$vg/root" '$1 == "seg" && $2 == lv { print $3, $4 }' "$raw.manifest")
[ "${#root_segments[@]}" -eq 1 ] || die "expected the root LV in one segment, got ${#root_segments[@]}"
read -r root_start root_bytes <<< "${root_segments[0]}"

# The root file system and /boot, made as ext4 images from the unpacked tree.
tree="$work/root"
unpack_root "$tree"
if [ -n "$with_pv2luks" ]; then
	# The component the pv2luks package holds (not the harness, not built here).
	cmake --install "$guest_build" --prefix "$tree/usr" --strip --component core > /dev/null
	missing=$(chroot "$tree" ldd /usr/sbin/pv2luks | grep 'not found' || true)
	[ -z "$missing" ] || die "pv2luks in the guest lacks libraries: $missing"
	# As after installing any package with an initramfs hook: pv2luks's
	# hook (resume a conversion cut short) goes into the initramfs (dracut's
	# is built below).
	[ "$initramfs_tool" = dracut ] || unshare --mount --propagation private sh -c '
		mount -t proc proc "$1/proc" && mount -t sysfs sys "$1/sys" && mount --bind /dev "$1/dev" &&
		chroot "$1" update-initramfs -u -k "$2"' sh "$tree" "$kernel_version" >> "$work/initramfs.log" 2>&1 \
		|| { tail -20 "$work/initramfs.log" >&2; die "update-initramfs in the guest failed"; }
	if [ "$initramfs_tool" = dracut ]; then
		[ ! -d "$source_dir/converter/dracut" ] || [ -d "$tree/usr/lib/dracut/modules.d/90pv2luks" ] \
			|| die "pv2luks's dracut module was not installed"
	else
		[ -x "$tree/usr/share/initramfs-tools/scripts/local-top/pv2luks" ] \
			|| die "pv2luks's initramfs script was not installed"
	fi
fi
if [ "$initramfs_tool" = dracut ]; then
	# The initramfs the image boots: built by the guest's dracut (pv2luks's
	# module in it when installed), not host-only in a chroot.
	unshare --mount --propagation private sh -c '
		mount -t proc proc "$1/proc" && mount -t sysfs sys "$1/sys" && mount --bind /dev "$1/dev" &&
		chroot "$1" dracut --force --no-hostonly --kver "$2" "/boot/initrd.img-$2"' \
		sh "$tree" "$kernel_version" >> "$work/initramfs.log" 2>&1 \
		|| { tail -20 "$work/initramfs.log" >&2; die "dracut in the guest failed"; }
fi
mkdir -p "$work/boot"
mv "$tree"/boot/* "$work/boot/"
if [ "$label" = msdos ]; then
	# GRUB as grub-install puts it on a BIOS disk: its modules and grub.cfg
	# on /boot, core.img (which finds them) in the gap before partition 1,
	# boot.img in the MBR (below).
	mkdir -p "$work/boot/grub/i386-pc"
	cp "$tree"/usr/lib/grub/i386-pc/*.mod "$tree"/usr/lib/grub/i386-pc/*.lst "$work/boot/grub/i386-pc/"
	chroot "$tree" grub-mkimage -O i386-pc -o /pv2luks-core.img -p '(hd0,msdos1)/grub' \
		biosdisk part_msdos ext2 normal linux echo serial terminal \
		|| die "grub-mkimage in the guest failed"
	mv "$tree/pv2luks-core.img" "$work/core.img"
	cp "$tree/usr/lib/grub/i386-pc/boot.img" "$work/grub-boot.img"
	cat > "$work/boot/grub/grub.cfg" <<-EOF
	serial --unit=0 --speed=115200
	terminal_input serial
	terminal_output serial
	echo 'GRUB: booting vmlinuz-$kernel_version'
	linux /vmlinuz-$kernel_version root=/dev/mapper/$vg-root ro console=ttyS0 no_timer_check panic=10
	initrd /initrd.img-$kernel_version
	boot
	EOF
fi
mkfs.ext4 -q -F -L boot -U "$boot_uuid" -d "$work/boot" "$work/boot.ext4" "$((boot_bytes / 1024))k" > /dev/null
mkfs.ext4 -q -F -L root -U "$root_uuid" -d "$tree" "$work/root.ext4" "$((root_bytes / 1024))k" > /dev/null
dd if="$work/boot.ext4" of="$raw" bs=4M seek="$boot_start" oflag=seek_bytes conv=notrunc,sparse status=none
dd if="$work/root.ext4" of="$raw" bs=4M seek="$root_start" oflag=seek_bytes conv=notrunc,sparse status=none
if [ "$label" = msdos ]; then
	# Partition 2 (1 MiB) and the PV's partition 3 become the extended
	# partition 2, from partition 2's start to the disk's end, and logical
	# partition 5 at the PV's very sectors (its EBR in partition 2's MiB).
	read -r ebr_start < <(awk '$1 == "part" && $2 == 2 { print $4 }' "$raw.manifest")
	read -r pv_start pv_bytes < <(awk '$1 == "pv" && $2 == 3 { print $3, $4 }' "$raw.manifest")
	disk_bytes=$(stat -c %s "$raw")
	sfdisk --quiet --no-reread --no-tell-kernel "$raw" > "$work/sfdisk.log" 2>&1 <<-EOF \
		|| { cat "$work/sfdisk.log" >&2; die "sfdisk could not write the msdos table"; }
	label: dos
	start=$((boot_start / 512)), size=$((boot_bytes / 512)), type=83, bootable
	start=$((ebr_start / 512)), size=$(((disk_bytes - ebr_start) / 512)), type=5
	start=$((pv_start / 512)), size=$((pv_bytes / 512)), type=8e
	EOF
	[ "$(sfdisk --json "$raw" | grep -c '"node"')" -eq 3 ] \
		&& sfdisk --dump "$raw" | grep -q "disk.raw5 : start= *$((pv_start / 512)), size= *$((pv_bytes / 512))," \
		|| { sfdisk --dump "$raw" >&2; die "the msdos table is not as meant (PV at partition 5)"; }
	core_bytes=$(stat -c %s "$work/core.img")
	[ "$core_bytes" -le $((boot_start - 512)) ] || die "core.img ($core_bytes bytes) does not fit before partition 1"
	dd if="$work/grub-boot.img" of="$raw" bs=440 count=1 conv=notrunc status=none
	dd if="$work/core.img" of="$raw" bs=512 seek=1 conv=notrunc status=none
	pv_partition=5
	boot_method=grub
else
	pv_partition=2
	boot_method=kernel
fi
rm -f "$raw.manifest"

if [ "$format" = qcow2 ]; then
	qemu-img convert -f raw -O qcow2 "$raw" "$out"
else
	mv "$raw" "$out"
fi
cat > "$out.boot" <<EOF
kernel_version=$kernel_version
boot_partition=1
root=/dev/mapper/$vg-root
boot=$boot_method
pv=/dev/vda$pv_partition
label=$label
initramfs=$initramfs_tool
marker=$marker
EOF
if [ -n "$use_cache" ]; then
	cp --sparse=always "$out" "$cached.tmp.$$" && mv "$cached.tmp.$$" "$cached"
	cp "$out.boot" "$cached.boot"
fi
echo "debian-image: $out ($format, $size, kernel $kernel_version) in $(( $(date +%s) - started )) s" >&2
