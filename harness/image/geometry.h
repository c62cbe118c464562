// Disk geometry of a layout spec: where the partitions, the PV and its
// extents lie, in bytes. Pure math, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/sector.h"
#include "image/layout_spec.h"

namespace harness {

using pv2luks::kSectorBytes;
inline constexpr std::uint64_t kPartitionAlignmentBytes = 1024 * 1024;  // as sfdisk, fdisk, parted
inline constexpr std::uint64_t kGptBackupBytes = 33 * kSectorBytes;  // entries + header at the end
inline constexpr std::uint64_t kPeStartBytes = 1024 * 1024;  // pvcreate --dataalignment 1m
inline constexpr int kFirstLogicalNumber = 5;  // msdos logical partitions, as Linux numbers them
inline constexpr std::uint64_t kMaxMsdosDiskBytes = (std::uint64_t{1} << 32) * kSectorBytes;

struct ByteRange {
  std::uint64_t offset_bytes = 0;
  std::uint64_t length_bytes = 0;
  bool operator==(const ByteRange&) const = default;
};

struct PartitionPlacement {
  int number = 0;  // 1-based, as the kernel names it; 0 for the whole disk
  std::uint64_t start_bytes = 0;
  std::uint64_t size_bytes = 0;
  bool operator==(const PartitionPlacement&) const = default;
};

// The PV inside its area (a partition, or the whole disk).
struct PvPlacement {
  PartitionPlacement area;
  std::uint64_t pv_size_bytes = 0;  // what LVM records as the PV's size
  std::uint64_t pe_start_bytes = kPeStartBytes;
  std::uint64_t extent_size_bytes = 0;
  std::uint64_t pe_count = 0;
  std::uint64_t tail_room_bytes() const { return area.size_bytes - pv_size_bytes; }
  // Byte offset in the disk of physical extent `pe`.
  std::uint64_t pe_offset_bytes(std::uint64_t pe) const {
    return area.start_bytes + pe_start_bytes + pe * extent_size_bytes;
  }
};

struct DiskGeometry {
  std::vector<PartitionPlacement> partitions;  // in spec order (logical ones numbered from 5); empty for "none"
  PvPlacement pv;
};

// End of the space partitions may use: the disk size, less the backup GPT.
std::uint64_t usable_end_bytes(PartitionTable table, std::uint64_t disk_size_bytes);

std::uint64_t align_up(std::uint64_t value, std::uint64_t alignment);
std::uint64_t align_down(std::uint64_t value, std::uint64_t alignment);

// Partitions start on 1 MiB boundaries, one after the other; "rest" ends at the
// last 1 MiB boundary of the usable space. Never fails: a partition that does not
// fit gets what is left (maybe 0) and fit_problems() says so.
std::vector<PartitionPlacement> place_partitions(const LayoutSpec& spec);

// msdos: the extended partition holding the "logical" partitions (from 1
// MiB before the first to the end of the last), numbered after the
// primaries; nullopt when there are none.
std::optional<PartitionPlacement> extended_placement(
    const LayoutSpec& spec, const std::vector<PartitionPlacement>& placed);

// The whole geometry; spec must have passed fit_problems() for it to make sense.
DiskGeometry plan_geometry(const LayoutSpec& spec);

// How an LV of `extents` is split into `segments` runs: as even as can be, the
// first runs one extent longer. segments must be 1..extents.
std::vector<std::uint64_t> segment_extents(std::uint64_t extents, std::uint64_t segments);

// Extents a spec's LVs take while they are created, spacers included.
std::uint64_t extents_needed(const LayoutSpec& spec);

// What does not fit: partitions beyond the disk, a PV larger than its area or
// too small for one extent, LVs beyond the VG. Each message says what to do.
std::vector<std::string> fit_problems(const LayoutSpec& spec);

}  // namespace harness
