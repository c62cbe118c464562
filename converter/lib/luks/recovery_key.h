// A recovery key as systemd-cryptenroll makes them: 32 random bytes in
// modhex ("cbdefghijklnrtuv" for 0-15, the high nibble first), 8 groups of 8
// characters joined by '-': 71 characters that are typed as a passphrase at
// any LUKS prompt, on any keyboard layout.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/secure_buffer.h"

namespace pv2luks {

inline constexpr std::size_t kRecoveryKeyRawBytes = 32;
inline constexpr std::size_t kRecoveryKeyChars = 71;

// Formats `raw` (kRecoveryKeyRawBytes) into `out` (kRecoveryKeyChars). Pure.
void format_recovery_key(std::span<const std::uint8_t> raw, std::span<char> out);

// A new recovery key in locked memory, from the kernel's random generator.
SecureBuffer make_recovery_key();

// What keeps `path` from taking a new recovery key ("" when nothing): no
// path, a file already there (pv2luks overwrites no key), or no directory
// to hold it. Reads the file system; writes nothing.
std::string recovery_key_file_problem(const std::string& path);

// Writes the key, and no newline, to the new file `path` (mode 0600; an
// existing file or link is refused, never followed), fsync'ed with its
// directory: the key is on stable storage before the disk is written.
// Without a newline the file is a key file as is (cryptsetup --key-file,
// pv2luks resume --key-file), and reads the same on standard input.
void write_recovery_key_file(const std::string& path, const SecureBuffer& key);

}  // namespace pv2luks
