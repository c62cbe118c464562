// The kernel release inside a bzImage (`make bzImage`, /boot/vmlinuz-*), read
// from its bytes as the boot protocol lays them out: the setup header's
// "HdrS" at 0x202 and, at 0x20E, kernel_version: the offset (minus 0x200) of
// a NUL-terminated "6.1.0-9-amd64 (builder@host) #1 SMP ..." string inside
// the setup sectors. Parses untrusted bytes: fuzz/bzimage.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace harness {

// The bytes needed: the setup sectors are at most 64 sectors of 512 bytes.
inline constexpr std::size_t kBzImageHeadBytes = 65 * 512;

// The release ("6.1.0-9-amd64", the first word of the version string), or
// nullopt with `why` saying what is missing, for the first bytes of a file.
std::optional<std::string> bzimage_release(std::span<const std::uint8_t> head, std::string& why);

// The same for a file; nullopt with `why` when it cannot be read or is not a bzImage.
std::optional<std::string> bzimage_file_release(const std::string& path, std::string& why);

}  // namespace harness
