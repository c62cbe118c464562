// Whether the initramfs the next boot uses can bring up a root PV whose
// live conversion was cut short (a power cut): it must hold cryptsetup,
// pv2luks and pv2luks's recovery hook (initramfs-tools' scripts/local-top/
// pv2luks or dracut's pv2luks-recover.sh). Without them such a boot finds
// no root, and only a rescue system helps. `pv2luks convert` refuses a PV
// that holds the running / or /usr until they are there (or --force).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

// Whether an initramfs listing (lsinitramfs's paths, or lsinitrd's `ls -l`
// lines) holds what unlocks a LUKS volume: a path ending in
// "/sbin/cryptsetup" or "/bin/cryptsetup", or "/systemd/systemd-cryptsetup"
// (dracut's systemd mode has only that one unless a module such as
// pv2luks's adds cryptsetup). A link counts by its own name. Pure.
bool initramfs_listing_has_cryptsetup(const std::string& listing);

// What the listing of an initramfs (lsinitramfs's or lsinitrd's output, a
// path per line, maybe after `ls -l` columns) lacks for that recovery, one
// short name each ("cryptsetup", "pv2luks", "pv2luks's recovery hook").
// Pure.
std::vector<std::string> missing_for_recovery(const std::string& listing);

// The kernels a next boot may start: the running one and the newest of
// `installed`, each once. Pure.
std::vector<std::string> next_boot_kernels(const std::string& running,
                                           std::vector<std::string> installed);

// Refuses (an Error) the conversion of `device` (its number `rdev`) when it
// holds the running / or /usr and an initramfs of a kernel the next boot may
// start is missing or lacks what recovery needs; the message names the file,
// what it lacks and the command that fixes it. `force` lets it pass with a
// warning through say(). Reads /boot, /proc and /sys; writes nothing.
void refuse_stranded_root(const std::string& device, dev_t rdev, bool force,
                          const MessageFn& say);

}  // namespace pv2luks
