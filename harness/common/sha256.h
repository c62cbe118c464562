// SHA-256 of byte ranges of files and block devices (the digest itself is
// libpv2luks's base/sha256).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/sha256.h"

namespace harness {

using pv2luks::Sha256;
using pv2luks::sha256_hex;

// Hashes `length_bytes` bytes of `path` from `offset_bytes` on (the whole file
// or device when length_bytes is 0 and offset_bytes is 0). A short read is an
// Error naming the path.
std::string sha256_file_range(const std::string& path, std::uint64_t offset_bytes = 0,
                              std::uint64_t length_bytes = 0);

// Size of a regular file or block device.
std::uint64_t file_or_device_size_bytes(const std::string& path);

}  // namespace harness
