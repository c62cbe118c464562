// image/disk_partitions and image/partition_checks: a disk image's partition
// table (MBR, or GPT with its backup), as offline conversion finds the PV's
// partition in an image (read_partition_table), and what a table it accepts
// promises: every partition inside the disk, none overlapping another
// (but for msdos logical partitions, which lie inside their extended
// partition), logical ones numbered from 5. libblkid reads the table from a
// sparse copy of the disk (image/sparse_disk.h); EBR chains that loop or
// leave their extended partition must be refused, never hang.
//
// Input: a flag byte (bit 0: recompute the GPT headers' and entry arrays'
// CRC32s; bits 1-2: logical sector size 512 << n), the disk's size in
// sectors (4 bytes, little-endian), then the disk's first bytes; the rest
// of the disk is zeros.
#include <vector>

#include "checksums.h"
#include "fuzz_glue.h"
#include "image/disk_partitions.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::uint32_t sector_bytes = 512u << ((data[0] >> 1) & 3);
  const std::uint64_t disk_bytes = get_le({data, size}, 1, 4) * sector_bytes;
  std::vector<std::uint8_t> head(data + 5, data + size);
  if (data[0] & 1) fix_gpt_checksums(head, sector_bytes);
  PartitionTable table;
  if (refused([&] { table = read_partition_table(memory_reader(head, disk_bytes), disk_bytes, sector_bytes); })) {
    return 0;
  }
  require(table.kind == "gpt" || table.kind == "msdos" || table.kind == "none", "an unknown kind");
  for (std::size_t i = 0; i < table.partitions.size(); ++i) {
    const Partition& p = table.partitions[i];
    require(p.size_bytes > 0 && p.start_bytes % sector_bytes == 0 && p.size_bytes % sector_bytes == 0,
            "a partition not of whole sectors");
    require(p.start_bytes <= disk_bytes && p.size_bytes <= disk_bytes - p.start_bytes,
            "a partition past the disk's end");
    require(p.start_bytes > 0, "a partition over the disk's first sector");
    require(table.kind == "msdos" || p.type != "extended", "an extended partition outside msdos");
    require(p.number > 0 && (i == 0 || p.number > table.partitions[i - 1].number),
            "partitions not in number order");
    for (std::size_t j = 0; j < i; ++j) {
      const Partition& q = table.partitions[j];
      const bool logical_in_extended =
          table.kind == "msdos" && p.number >= 5 && q.type == "extended" &&
          p.start_bytes >= q.start_bytes && p.start_bytes + p.size_bytes <= q.start_bytes + q.size_bytes;
      if (logical_in_extended) continue;
      require(p.start_bytes >= q.start_bytes + q.size_bytes || q.start_bytes >= p.start_bytes + p.size_bytes,
              "two partitions overlap");
    }
  }
  return 0;
}
