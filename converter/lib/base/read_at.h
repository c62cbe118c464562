// Reading a byte range of something: an image file, one partition of it, or
// a decrypting view of a LUKS data area. One function type, so the parsers
// of partition tables and LVM metadata stay pure and are tested on memory.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

namespace pv2luks {

// Fills `out` with the bytes at `offset_bytes`. Throws Error on a short read
// or an I/O error, naming what was read.
using ReadAt = std::function<void(std::uint64_t offset_bytes, std::span<std::uint8_t> out)>;

}  // namespace pv2luks
