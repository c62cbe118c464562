// Finding a conversion's journal on a device whose size may have changed
// since the conversion began (a disk image grown with truncate or
// `qemu-img resize`, a partition grown after a kill).
//
// The journal sits in the last MiB of the device as it was when the
// conversion began (journal/area.h), and every record says how large that
// was. So the search looks where today's size puts it first; then, while the
// front still holds the PV's plaintext label and metadata, at every 4 KiB
// boundary between the end of the PV's extents and there, nearest the end
// first, for a record of this PV that its own device size places exactly
// there. Reads only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "journal/record.h"
#include "base/range_file.h"

namespace pv2luks {

struct JournalPlace {
  std::uint64_t start_sectors = 0;
  bool moved = false;  // not where today's size puts it: the device grew
  JournalSlots slots;  // what its two slots held when it was found
};

// The journal of the PV's device `device`: the place where a slot holds the
// journal's magic, good or damaged; nullopt when there is none.
std::optional<JournalPlace> locate_journal(const ByteRange& device);
// The same for the device `path` (`device_sectors` long, at
// `base_offset_bytes` of `path`); `direct_io` false: buffered reads.
std::optional<JournalPlace> locate_journal(const std::string& path, std::uint64_t device_sectors,
                                           std::uint64_t base_offset_bytes, bool direct_io);

}  // namespace pv2luks
