// Where the EBRs (extended boot records) of an msdos extended partition
// are: the chain of links that starts at the extended partition's first
// sector. Only the links are followed here, to copy those sectors into the
// SparseDisk libblkid reads (so it never needs the whole disk); libblkid
// itself reads the logical partitions out of them. A chain that loops,
// links outside its extended partition or is implausibly long is an Error:
// libblkid would stop reading it somewhere, and a table read only in part
// cannot be checked for overlaps.
#pragma once

#include <cstdint>
#include <vector>

#include "image/partition_checks.h"
#include "image/sparse_disk.h"

namespace pv2luks {

// The EBRs of the extended partition `extended`, each copied into `disk`
// (EBRs are read from `read`), in chain order.
std::vector<LbaRange> follow_ebr_chain(const ReadAt& read, SparseDisk& disk,
                                       const Partition& extended, std::uint32_t sector_bytes);

}  // namespace pv2luks
