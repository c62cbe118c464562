// An NBD block status reply of the "base:allocation" context, as libnbd
// hands it over: (length, flags) pairs of 32-bit words from the server,
// describing the export from `offset` on. Pure: the words in, the allocated
// ranges out; nothing the server says can make them overlap, go backwards
// or leave the range asked about.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/block_io.h"

namespace pv2luks {

// Appends to `allocated` (sorted, merged with its last range where they
// touch) the parts of [offset, end_bytes) that `words` do not flag as a hole
// (NBD_STATE_HOLE, bit 0). Returns how far the reply reached: at most
// end_bytes, at least offset. An odd last word is ignored.
std::uint64_t add_allocated_extents(std::vector<ByteExtent>& allocated, std::uint64_t offset,
                                    std::span<const std::uint32_t> words,
                                    std::uint64_t end_bytes);

}  // namespace pv2luks
