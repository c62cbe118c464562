// Little-endian integers in bytes, as MBR, EBR and GPT structures store
// them. The caller makes sure the bytes are there.
#pragma once

#include <cstdint>

namespace pv2luks {

inline std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}

inline std::uint64_t le64(const std::uint8_t* p) {
  return std::uint64_t{le32(p)} | std::uint64_t{le32(p + 4)} << 32;
}

}  // namespace pv2luks
