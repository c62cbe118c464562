// Opening a LUKS device with a volume key already in hand, as `cryptsetup
// open --volume-key-file` would: libcryptsetup builds the table (cipher,
// sector size, iv_large_sectors, the LUKS2 persistent flags) and, for
// LUKS2, passes the key through the kernel keyring.
#pragma once

#include <string>

#include "base/secure_buffer.h"

namespace pv2luks {

// Whether `volume_key` is the volume key of the LUKS header at `path`
// (crypt_volume_key_verify: checked against the header's digest).
bool volume_key_matches(const std::string& path, const SecureBuffer& volume_key);

// Activates the LUKS device at `path` as dm device `name` with `volume_key`,
// shared: other dm devices may map the same disk. Error with libcryptsetup's
// reason.
void activate_with_volume_key(const std::string& path, const std::string& name,
                              const SecureBuffer& volume_key);

}  // namespace pv2luks
