// The LUKS header a conversion writes, prepared in memory before anything is
// written: the passphrase read, a new volume key made, the header built by
// libcryptsetup in a memfd. Shared by the live and the offline conversions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "luks/header.h"
#include "base/secure_buffer.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

struct PreparedHeader {
  std::vector<std::uint8_t> header;  // the whole header: data_offset bytes
  BuiltHeader built;
  SecureBuffer volume_key;  // locked memory, wiped when this goes
  std::string cipher;       // "aes-xts-plain64", as dm-crypt names it
  // The passphrase, kept only for options.guest_config (the guest's volume is
  // opened with it after the conversion); empty otherwise.
  SecureBuffer passphrase;
  // With options.tpm2_device: keyslot 0's recovery key, for the file.
  SecureBuffer recovery_key;
};

// `spec` is the chosen header (geometry); the cipher and PBKDF come from
// `options`. Asks for a new passphrase as options.key_file says; with
// options.tpm2_device makes a recovery key instead and enrols the TPM.
PreparedHeader prepare_header(const ConvertOptions& options, HeaderSpec spec,
                              std::uint64_t device_size_bytes);

// "aes-xts-plain64" -> {"aes", "xts-plain64"}; an Error when there is no mode.
std::pair<std::string, std::string> split_cipher(const std::string& cipher);

}  // namespace pv2luks
