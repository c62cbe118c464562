// What a distribution needs before it can boot from the converted PV: the
// initramfs must unlock the LUKS volume before LVM looks for the PV.
#pragma once

#include <string>

namespace pv2luks {

// Whether /etc/os-release text names `family` in its ID or ID_LIKE.
bool os_release_is_like(const std::string& os_release, const std::string& family);

// Advice for the system described by `os_release` (the text of
// /etc/os-release), for the volume `name` with `uuid`. Pure.
std::string initramfs_advice(const std::string& os_release, const std::string& name,
                             const std::string& uuid);

// The same, reading /etc/os-release (or nothing when it is missing).
std::string initramfs_advice_here(const std::string& name, const std::string& uuid);

}  // namespace pv2luks
