#!/bin/bash
# dracut module 90pv2luks (installed as modules.d/90pv2luks/module-setup.sh):
# the dracut counterpart of converter/initramfs/hook. Puts pv2luks,
# cryptsetup, lvm and the device-mapper modules a half-finished conversion
# needs into every initramfs, and the hook pv2luks-recover.sh, which maps a
# PV whose live conversion was cut short (a power cut, a crash) so the root
# VG is found. Rebuild the initramfs after installing pv2luks, before
# converting the root PV: dracut -f --regenerate-all.

# Included whenever pv2luks is installed (generic and host-only images
# alike): the PV to recover is not encrypted yet, so host-only detection
# would not see a reason to include it.
check() {
	require_binaries pv2luks cryptsetup lvm || return 1
	return 0
}

# crypt: cryptsetup and, in systemd mode, systemd-ask-password with its
# console agent; lvm: lvm and its udev rules; dm: dmsetup and the dm rules.
depends() {
	echo crypt lvm dm
	return 0
}

installkernel() {
	# hostonly='': wanted in host-only images too, where nothing is mapped
	# with these targets yet.
	hostonly='' instmods dm_mod dm_crypt dm_mirror dm_log dm_region_hash xts
	# The TPM's drivers (built in on Debian's kernel), for the token below.
	hostonly='' instmods '=drivers/char/tpm'
}

install() {
	inst_multiple pv2luks cryptsetup lvm
	inst_multiple -o systemd-ask-password
	# A conversion made with --tpm2-device (a systemd-tpm2 token in the
	# journal's staged header) is mapped with nobody typing: pv2luks resume
	# --token-only, through libcryptsetup's token plugin from systemd and
	# the TSS libraries it loads with dlopen (esys, rc, mu, the device
	# TCTI) and what they link (sys): dracut resolves the links of the
	# programs it installs, not of libraries named here. Present only where
	# systemd and the TSS libraries are installed; nothing is asked of other
	# systems.
	inst_libdir_file "cryptsetup/libcryptsetup-token-systemd-tpm2.so" \
		"libtss2-esys.so.*" "libtss2-mu.so.*" "libtss2-rc.so.*" "libtss2-sys.so.*" \
		"libtss2-tcti-device.so.*"
	inst_hook initqueue/settled 90 "$moddir/pv2luks-recover.sh"
}
