#!/bin/sh
# dracut initqueue/settled hook of module 90pv2luks (installed by
# module-setup.sh as hooks/initqueue/settled/90-pv2luks-recover.sh): the
# dracut counterpart of converter/initramfs/local-top.
#
# A live conversion that was cut short leaves a PV whose first part is still
# plaintext and whose rest is already ciphertext, with its journal at the
# partition's end. Here, for each partition with a journal, the passphrase is
# asked and `pv2luks resume --activate-only` maps the PV as the journal
# records it (/dev/mapper/NAME_crypt); the VG is activated on that device
# only, and root=/dev/mapper/VG-LV, which the initqueue waits for, appears.
#
# dracut-initqueue sources this file after every udev settle until root is
# found, so it runs in a subshell (no exit, no variables leaking into the
# initqueue's shell) and looks at each partition once (/run/pv2luks).
# Its name sorts before lvm_scan.sh, dracut's LVM activation job (settled
# jobs run in glob order), and it hands lvm_scan the mapped device in place
# of the partition, whose stale PV label must not be activated.
#
# A conversion made with --tpm2-device is mapped first by its TPM2 token,
# with nobody typing (`pv2luks resume --token-only`, quiet when there is no
# token); the passphrase (or the recovery key) is asked only when the TPM
# does not open it, with --disable-external-tokens so that each try asks
# straight away (the token's failure is printed once).
#
# The passphrase: under systemd (dracut-initqueue.service has no console on
# stdin), systemd-ask-password asks through the ask-password agents
# (console, plymouth) with the prompt
#   Enter the passphrase for /dev/NAME (pv2luks: its conversion was cut short):
# and pipes the line it reads to pv2luks, which takes it from stdin up to the
# newline. Without systemd, pv2luks asks on /dev/console itself:
#   Enter the passphrase for /dev/NAME:
# Three tries either way. Once the system is up:
#   pv2luks resume DEVICE --update-crypttab && dracut -f --regenerate-all
(
	command -v pv2luks > /dev/null 2>&1 || exit 0
	mkdir -p /run/pv2luks

	say() {
		echo "pv2luks: $*" > /dev/console 2>&1 || echo "pv2luks: $*" >&2
	}

	ask_and_map() {
		if [ -n "$DRACUT_SYSTEMD" ] && command -v systemd-ask-password > /dev/null 2>&1; then
			systemd-ask-password --timeout=0 --id="pv2luks:$1" \
				"Enter the passphrase for $1 (pv2luks: its conversion was cut short):" |
				pv2luks resume "$1" --activate-only --yes --disable-external-tokens \
					> /dev/console 2>&1
		else
			pv2luks resume "$1" --activate-only --yes --disable-external-tokens \
				< /dev/console > /dev/console 2>&1
		fi
	}

	while read -r _major _minor _blocks name; do
		case "$name" in
		"" | name | loop* | ram* | dm-* | sr* | zram* | nbd*) continue ;;
		esac
		dev=/dev/$name
		[ -b "$dev" ] || continue
		[ -e "/run/pv2luks/seen-$name" ] && continue
		: > "/run/pv2luks/seen-$name"
		# exit 0: a journal is there (a conversion in progress); reads only.
		pv2luks status "$dev" > /dev/null 2>&1 || continue
		[ -b "/dev/mapper/${name}_crypt" ] && continue
		say "$dev is half converted (a conversion was cut short); mapping it"
		token_log=/run/pv2luks/token-$name.log
		pv2luks resume "$dev" --activate-only --yes --token-only < /dev/null > "$token_log" 2>&1
		rc=$?
		if [ "$rc" -eq 7 ]; then
			say "$dev opened by its TPM2 token"
		elif grep -q "give the recovery key instead" "$token_log"; then
			# A token that did not open it (another TPM, PCRs that changed):
			# pv2luks's reason, then the prompt, where the recovery key goes.
			grep "^pv2luks: .*give the recovery key" "$token_log" > /dev/console 2>&1
		fi
		for _try in 1 2 3; do
			[ "$rc" -eq 7 ] && break
			ask_and_map "$dev"
			rc=$?
			[ "$rc" -eq 7 ] && break
		done
		if [ "$rc" -ne 7 ]; then
			say "could not map $dev (exit $rc); its VG stays inactive"
			continue
		fi
		crypt=$(readlink -f "/dev/mapper/${name}_crypt")
		# lvm_scan activates the PVs udev saw (/tmp/.lvm_scan-KERNELNAME):
		# the mapped device, never the partition's stale label.
		rm -f "/tmp/.lvm_scan-$name"
		[ -n "$crypt" ] && : > "/tmp/.lvm_scan-${crypt##*/}"
		lvm vgchange -ay --sysinit --devices "/dev/mapper/${name}_crypt" > /dev/console 2>&1
		say "$dev mapped; once the system is up, run:" \
			"pv2luks resume $dev --update-crypttab && dracut -f --regenerate-all"
	done < /proc/partitions
)
