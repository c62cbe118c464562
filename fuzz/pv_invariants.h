// What a PV that lvm/pv_metadata accepted promises, checked by the LVM fuzz
// targets: its extents, every LV range it hands out and its allocated end
// lie inside its `size_bytes`, after pe_start. A conversion moves and reads
// exactly these bytes, so a wrapped sum here would point it elsewhere.
#pragma once

#include <cstdint>

#include "fuzz_glue.h"
#include "lvm/pv_metadata.h"

namespace pv2luks::fuzz {

inline bool inside(std::uint64_t offset, std::uint64_t length, std::uint64_t first,
                   std::uint64_t end) {
  return offset >= first && offset <= end && length <= end - offset;
}

inline void check_pv(const PvOnDisk& pv, std::uint64_t size_bytes) {
  const std::uint64_t extent = pv.extent_size_bytes();
  require(extent / kSectorBytes == pv.vg.extent_size_sectors, "the extent size wraps");
  require(pv.pe_start_bytes <= size_bytes, "pe_start lies past the PV");
  require(pv.pe_count() == 0 || extent <= (size_bytes - pv.pe_start_bytes) / pv.pe_count(),
          "the extents end past the PV");
  const std::uint64_t end = allocated_end_bytes(pv);
  require(end >= pv.pe_start_bytes && end <= size_bytes, "the allocated end lies outside the PV");
  for (const LvOnPv& lv : lvs_on_pv(pv)) {
    std::uint64_t total = 0;
    for (const PvByteRange& range : lv.ranges) {
      require(inside(range.offset_bytes, range.length_bytes, pv.pe_start_bytes, end),
              "an LV range outside the PV's allocated extents");
      total += range.length_bytes;
    }
    require(lv.ranges.empty() || total == lv.size_bytes, "an LV's ranges do not add up to its size");
  }
}

}  // namespace pv2luks::fuzz
