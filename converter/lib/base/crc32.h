// CRC-32 (polynomial 0x04C11DB7, reflected), computed by zlib, in the two
// conventions the on-disk formats use:
//   crc32       GPT's (and zlib's, Ethernet's): initial value and final XOR
//               0xFFFFFFFF; for GPT headers and partition entry arrays.
//   lvm_crc32   LVM2's, for its label, metadata area headers and metadata
//               text: the same CRC started from 0xf597a6cf instead of ~0 and
//               never inverted at the end (lvm2: lib/misc/crc.h, INITIAL_CRC).
//               So lvm_crc32(c, data) == ~crc32(data, ~c).
#pragma once

#include <cstdint>
#include <span>

namespace pv2luks {

// The CRC-32 of `data`. To continue over several pieces, pass the previous
// result as `crc`: crc32(b, crc32(a)) == crc32(a + b).
std::uint32_t crc32(std::span<const std::uint8_t> data, std::uint32_t crc = 0);

inline constexpr std::uint32_t kLvmCrcInitial = 0xf597a6cf;

// Continues `crc` over `bytes`; a checksum is lvm_crc32(kLvmCrcInitial, bytes).
std::uint32_t lvm_crc32(std::uint32_t crc, std::span<const std::uint8_t> bytes);

}  // namespace pv2luks
