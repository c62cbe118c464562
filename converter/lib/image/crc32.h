// CRC-32 as GPT, zlib and Ethernet compute it (polynomial 0x04C11DB7,
// reflected, initial value and final XOR 0xFFFFFFFF), for checking GPT
// headers and partition entry arrays.
#pragma once

#include <cstdint>
#include <span>

namespace pv2luks {

// The CRC-32 of `data`. To continue over several pieces, pass the previous
// result as `crc`: crc32(b, crc32(a)) == crc32(a + b).
std::uint32_t crc32(std::span<const std::uint8_t> data, std::uint32_t crc = 0);

}  // namespace pv2luks
