// Big-endian integers in bytes, as qcow2 stores them. The caller makes sure
// the bytes are there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pv2luks {

inline std::uint16_t be16(std::span<const std::uint8_t> bytes, std::size_t offset) {
  return static_cast<std::uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

inline std::uint32_t be32(std::span<const std::uint8_t> bytes, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | bytes[offset + i];
  return value;
}

inline std::uint64_t be64(std::span<const std::uint8_t> bytes, std::size_t offset) {
  return (std::uint64_t{be32(bytes, offset)} << 32) | be32(bytes, offset + 4);
}

}  // namespace pv2luks
