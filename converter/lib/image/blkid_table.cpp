#include "image/blkid_table.h"

#include <blkid/blkid.h>

#include <cctype>
#include <cstring>
#include <memory>

#include "base/error.h"
#include "base/sector.h"

namespace pv2luks {
namespace {

struct ProbeFree {
  void operator()(blkid_probe probe) const { blkid_free_probe(probe); }
};
using Probe = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeFree>;

std::string upper(const char* text) {
  std::string out = text ? text : "";
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void check(int rc, const char* what) {
  if (rc != 0) Fail() << "partition table: libblkid: " << what << " failed (" << rc << ")";
}

}  // namespace

BlkidTable blkid_read_table(const SparseDisk& disk, std::uint32_t sector_bytes) {
  Probe probe(blkid_new_probe());
  if (!probe) Fail() << "partition table: libblkid: cannot allocate a probe";
  check(blkid_probe_set_device(probe.get(), disk.fd(), 0, static_cast<blkid_loff_t>(disk.size_bytes())),
        "blkid_probe_set_device");
  check(blkid_probe_set_sectorsize(probe.get(), sector_bytes), "blkid_probe_set_sectorsize");
  check(blkid_probe_enable_superblocks(probe.get(), 0), "blkid_probe_enable_superblocks");
  check(blkid_probe_enable_partitions(probe.get(), 1), "blkid_probe_enable_partitions");
  check(blkid_probe_set_partitions_flags(probe.get(), BLKID_PARTS_FORCE_GPT),
        "blkid_probe_set_partitions_flags");
  BlkidTable out;
  blkid_partlist list = blkid_probe_get_partitions(probe.get());
  if (!list) return out;  // no partition table (or one libblkid could not read)
  blkid_parttable root = blkid_partlist_get_table(list);
  if (!root) return out;
  out.type = blkid_parttable_get_type(root) ? blkid_parttable_get_type(root) : "?";
  out.offset_bytes = static_cast<std::uint64_t>(blkid_parttable_get_offset(root));
  const int count = blkid_partlist_numof_partitions(list);
  for (int i = 0; i < count; ++i) {
    blkid_partition part = blkid_partlist_get_partition(list, i);
    if (!part) continue;
    BlkidPartition p;
    p.number = static_cast<std::uint32_t>(blkid_partition_get_partno(part));
    p.start_bytes = static_cast<std::uint64_t>(blkid_partition_get_start(part)) * kSectorBytes;
    p.size_bytes = static_cast<std::uint64_t>(blkid_partition_get_size(part)) * kSectorBytes;
    p.mbr_type = blkid_partition_get_type(part);
    p.type_guid = upper(blkid_partition_get_type_string(part));
    p.extended = blkid_partition_is_extended(part) != 0;
    p.logical = blkid_partition_is_logical(part) != 0;
    blkid_parttable table = blkid_partition_get_table(part);
    const char* type = table ? blkid_parttable_get_type(table) : nullptr;
    p.table = type ? type : "?";
    p.nested = table && blkid_parttable_get_parent(table) != nullptr;
    out.partitions.push_back(std::move(p));
  }
  return out;
}

}  // namespace pv2luks
