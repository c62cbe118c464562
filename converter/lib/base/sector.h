// The one sector size of the library: LUKS2 offsets, dm tables, LVM labels and
// journal records all count in 512-byte sectors, whatever the device's logical
// block size (the kernel's SECTOR_SIZE).
#pragma once

#include <cstdint>

namespace pv2luks {

inline constexpr std::uint64_t kSectorBytes = 512;

}  // namespace pv2luks
