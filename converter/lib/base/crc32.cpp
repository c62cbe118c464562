#include "base/crc32.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace pv2luks {

std::uint32_t crc32(std::span<const std::uint8_t> data, std::uint32_t crc) {
  // zlib takes at most a uInt of bytes per call.
  uLong value = crc;
  while (!data.empty()) {
    const std::size_t piece =
        std::min<std::size_t>(data.size(), std::numeric_limits<uInt>::max());
    value = ::crc32(value, data.data(), static_cast<uInt>(piece));
    data = data.subspan(piece);
  }
  return static_cast<std::uint32_t>(value);
}

// zlib inverts on the way in and out; LVM2 does neither.
std::uint32_t lvm_crc32(std::uint32_t crc, std::span<const std::uint8_t> bytes) {
  return ~crc32(bytes, ~crc);
}

}  // namespace pv2luks
