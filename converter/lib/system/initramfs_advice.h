// What a distribution needs before it can boot from the converted PV: the
// initramfs must unlock the LUKS volume before LVM looks for the PV.
#pragma once

#include <string>

#include "system/initramfs_tool.h"

namespace pv2luks {

// Whether /etc/os-release text names `family` in its ID or ID_LIKE.
bool os_release_is_like(const std::string& os_release, const std::string& family);

// Advice for the system described by `os_release` (the text of
// /etc/os-release), for the volume `name` with `uuid`. Pure.
std::string initramfs_advice(const std::string& os_release, const std::string& name,
                             const std::string& uuid);

// Advice for a system whose initramfs `tool` builds (detect_initramfs_tool):
// initramfs-tools: cryptsetup-initramfs and update-initramfs (the Debian
// advice above, word for word); dracut: the crypttab line with its
// dracut.conf.d snippet (system/dracut_conf.h) and `dracut -f
// --regenerate-all`, which rebuilds the image of every installed kernel;
// Unknown: by `os_release`, as above. Pure.
std::string initramfs_advice(InitramfsTool tool, const std::string& os_release,
                             const std::string& name, const std::string& uuid);

// The same for this system: the tool detected under /, /etc/os-release (or
// nothing when it is missing).
std::string initramfs_advice_here(const std::string& name, const std::string& uuid);

}  // namespace pv2luks
