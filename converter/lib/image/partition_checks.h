// Whether a partition table is sound enough to write into one of its
// partitions: the checks `sfdisk --verify` and `sgdisk --verify` make.
// A table that fails them is refused, since converting a partition that
// overlaps another one (or the GPT's own structures) overwrites it:
//   - no two partitions overlap (GPT entries; the msdos primaries, an
//     extended partition included);
//   - no msdos partition covers sector 0, the MBR itself;
//   - msdos logical partitions: each lies inside an extended partition,
//     none overlaps another, and none covers an EBR (the sectors that
//     chain the logical partitions together);
//   - GPT: the usable range (first to last usable LBA) lies inside the disk
//     and holds none of the GPT's own structures (the protective MBR, both
//     headers and both entry arrays), and every partition lies inside it,
//     so none runs over the backup GPT at the disk's end.
// Pure: an Error names the partitions, their LBAs and what to do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image/disk_partitions.h"

namespace pv2luks {

// LBAs first..last, both included, and what lies there ("the backup GPT
// header").
struct LbaRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::string what;
};

struct GptLayout {
  std::uint64_t first_usable_lba = 0;
  std::uint64_t last_usable_lba = 0;
  std::vector<LbaRange> structures;  // the MBR, headers and entry arrays that were found
};

// Error when two partitions overlap.
void check_no_overlaps(const std::vector<Partition>& partitions, std::uint32_t sector_bytes);

// Error when an msdos partition covers sector 0.
void check_mbr_layout(const std::vector<Partition>& partitions, std::uint32_t sector_bytes);

// Error when a logical partition lies outside every extended partition,
// two logical partitions overlap, or a partition (other than an extended
// one) covers an EBR.
void check_logical_layout(const std::vector<Partition>& primaries,
                          const std::vector<Partition>& logicals,
                          const std::vector<LbaRange>& ebrs, std::uint32_t sector_bytes);

// Error when the usable range is not sound on a disk of `disk_sectors`, or
// a partition lies outside it.
void check_gpt_layout(const GptLayout& layout, const std::vector<Partition>& partitions,
                      std::uint64_t disk_sectors, std::uint32_t sector_bytes);

}  // namespace pv2luks
