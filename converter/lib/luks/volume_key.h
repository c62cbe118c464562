// The volume key: the key the data area is encrypted with. It is made here,
// lives only in SecureBuffers, and reaches the disk only inside a LUKS
// keyslot (encrypted by the passphrase), never in a file or a message.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/secure_buffer.h"

namespace pv2luks {

// aes-xts-plain64 with two AES-256 keys, as cryptsetup's default for XTS.
inline constexpr std::uint32_t kDefaultVolumeKeyBits = 512;
inline constexpr std::uint32_t kMaxVolumeKeyBits = 8192;  // libcryptsetup's 1024-byte limit

// key_size_bits random bits from OpenSSL's private DRBG (RAND_priv_bytes,
// seeded by getrandom(2)). Error for a size that is zero, not a whole
// number of bytes or above kMaxVolumeKeyBits, or when the DRBG fails.
SecureBuffer generate_volume_key(std::uint32_t key_size_bits = kDefaultVolumeKeyBits);

// Fills `size` bytes with OpenSSL's public DRBG output: filler, not secrets
// (a header's unused keyslot areas).
void fill_random(std::uint8_t* data, std::size_t size);

}  // namespace pv2luks
