// libblkid's reading of a partition table, on a SparseDisk: only the
// partitions chain (no superblocks), GPT also without a protective MBR.
// What libblkid reports, not yet checked (disk_partitions.cpp checks it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image/sparse_disk.h"

namespace pv2luks {

struct BlkidPartition {
  std::uint32_t number = 0;  // as Linux numbers it (logical partitions from 5)
  std::uint64_t start_bytes = 0;
  std::uint64_t size_bytes = 0;
  int mbr_type = 0;       // msdos: the type byte
  std::string type_guid;  // GPT: the type GUID, upper case
  bool extended = false;
  bool logical = false;
  std::string table;  // the table it belongs to: "dos", "gpt", "bsd", ...
  bool nested = false;  // in a table inside another table's partition
};

struct BlkidTable {
  std::string type;  // "" (none), "dos", "gpt", or another libblkid name ("bsd", "sun", "mac", ...)
  std::uint64_t offset_bytes = 0;  // where the table is (GPT: the header that was read)
  std::vector<BlkidPartition> partitions;
};

// Error when libblkid fails (not when it finds no table).
BlkidTable blkid_read_table(const SparseDisk& disk, std::uint32_t sector_bytes);

}  // namespace pv2luks
