#include "offline/locate_pv.h"

#include <sstream>
#include <vector>

#include "base/error.h"
#include "base/probe_luks.h"
#include "base/probe_lvm_label.h"
#include "base/sector.h"
#include "image/disk_partitions.h"
#include "journal/locate.h"

namespace pv2luks {

namespace {

constexpr std::uint64_t kMib = 1024 * 1024;

std::vector<PvLocation> candidates(const ImageView& image, const PartitionTable& table) {
  std::vector<PvLocation> out;
  if (table.kind == "none") {
    out.push_back({{image.source(), 0, image.size_bytes()}, 0,
                   "the whole disk"});
  }
  for (const Partition& p : table.partitions) {
    if (p.type == "extended") continue;
    out.push_back({{image.source(), p.start_bytes, p.size_bytes},
                   p.number, "partition " + std::to_string(p.number)});
  }
  return out;
}

std::string listing(const PartitionTable& table) {
  if (table.partitions.empty()) return "no partition table";
  std::ostringstream out;
  out << table.kind << " partitions:";
  for (const Partition& p : table.partitions) {
    out << " " << p.number << " (" << p.type << ", " << p.size_bytes / kMib << " MiB)";
  }
  return out.str();
}

}  // namespace

bool has_lvm_label(const ByteRange& range) {
  if (range.size_bytes < kLvmLabelScanSectors * kSectorBytes) return false;
  return probe_lvm_label(RangeFile(range, false).reader(), range.size_bytes).has_value();
}

bool has_luks_magic(const ByteRange& range) {
  if (range.size_bytes < 4096) return false;
  return probe_luks(RangeFile(range, false).reader(), range.size_bytes) != 0;
}

bool has_journal(const ByteRange& range) {
  return locate_journal(range).has_value();
}

PvLocation locate_pv(const ImageView& image, std::uint32_t partition, const CandidateTest& test,
                     const std::string& what) {
  const RangeFile whole({image.source(), 0, image.size_bytes()}, false);
  const PartitionTable table = [&] {
    try {
      return read_partition_table(whole.reader(), image.size_bytes(), image.logical_sector_bytes());
    } catch (const Error& e) {
      Fail(e.reason()) << image.image_path() << ": " << e.what();
    }
  }();
  const std::vector<PvLocation> all = candidates(image, table);
  if (partition != 0) {
    for (const Partition& p : table.partitions) {
      if (p.number != partition || p.type != "extended") continue;
      Fail(RefuseReason::kWrongDevice) << image.image_path() << ": partition " << partition
             << " is an msdos extended partition, a container of logical partitions (numbered "
                "from 5), not a " << what << " (" << listing(table)
             << "); pick the logical partition that holds it with --partition N";
    }
    for (const PvLocation& location : all) {
      if (location.number == partition) return location;
    }
    Fail(RefuseReason::kWrongDevice)
        << image.image_path() << " has no partition " << partition << " (" << listing(table)
        << ")";
  }
  std::vector<PvLocation> found;
  for (const PvLocation& location : all) {
    if (test(location.range)) {
      found.push_back(location);
    }
  }
  if (found.empty()) Fail(RefuseReason::kWrongDevice)
      << image.image_path() << ": no " << what << " found (" << listing(table) << ")";
  if (found.size() > 1) {
    Fail(RefuseReason::kWrongDevice)
        << image.image_path() << ": " << found.size() << " partitions hold a " << what
        << " (" << found[0].name << ", " << found[1].name << "); pick one with --partition N";
  }
  return found.front();
}

}  // namespace pv2luks
