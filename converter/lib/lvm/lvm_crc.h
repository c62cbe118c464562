// LVM2's checksum of its label, metadata area headers and metadata text: the
// reflected CRC-32 of polynomial 0xedb88320 (zlib's), but started from
// 0xf597a6cf instead of ~0 and never inverted at the end. So
// lvm_crc32(0xffffffff, data) ^ 0xffffffff is zlib's crc32(data).
// (lvm2: lib/misc/crc.h, INITIAL_CRC; lib/label/label.c, format-text.c.)
#pragma once

#include <cstdint>
#include <span>

namespace pv2luks {

inline constexpr std::uint32_t kLvmCrcInitial = 0xf597a6cf;

// Continues `crc` over `bytes`; a checksum is lvm_crc32(kLvmCrcInitial, bytes).
std::uint32_t lvm_crc32(std::uint32_t crc, std::span<const std::uint8_t> bytes);

}  // namespace pv2luks
