#include "luks/volume_key.h"

#include <algorithm>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "base/errno_text.h"

namespace pv2luks {

SecureBuffer generate_volume_key(std::uint32_t key_size_bits) {
  if (key_size_bits == 0 || key_size_bits % 8 != 0 || key_size_bits > kMaxVolumeKeyBits) {
    Fail() << "volume key: invalid size " << key_size_bits << " bits (a multiple of 8, at most "
           << kMaxVolumeKeyBits << ")";
  }
  SecureBuffer key(key_size_bits / 8);
  if (RAND_priv_bytes(key.data(), static_cast<int>(key.size_bytes())) != 1) {
    char reason[256];
    ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
    Fail() << "volume key: RAND_priv_bytes failed: " << reason;
  }
  return key;
}

void fill_random(std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const int step = static_cast<int>(std::min<std::size_t>(size, 1 << 20));
    if (RAND_bytes(data, step) != 1) Fail() << "RAND_bytes failed";
    data += step;
    size -= static_cast<std::size_t>(step);
  }
}

}  // namespace pv2luks
