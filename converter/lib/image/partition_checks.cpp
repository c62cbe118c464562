#include "image/partition_checks.h"

#include <sstream>

#include "base/error.h"

namespace pv2luks {

namespace {

const char kFixIt[] =
    ": correct the table (inside the VM, or with sfdisk or gdisk on the image) first";

LbaRange lbas_of(const Partition& partition, std::uint32_t sector_bytes) {
  const std::uint64_t first = partition.start_bytes / sector_bytes;
  return {first, first + partition.size_bytes / sector_bytes - 1,
          "partition " + std::to_string(partition.number)};
}

bool overlap(const LbaRange& a, const LbaRange& b) { return a.first <= b.last && b.first <= a.last; }

std::string lba_text(const LbaRange& range) {
  return range.first == range.last ? "LBA " + std::to_string(range.first)
                                   : "LBA " + std::to_string(range.first) + "-" +
                                         std::to_string(range.last);
}

std::string described(const LbaRange& range) { return range.what + " (" + lba_text(range) + ")"; }

// The GPT structures a partition covers, as "the backup GPT header (LBA N)
// and ...", or "".
std::string covered_structures(const GptLayout& layout, const LbaRange& partition) {
  std::string out;
  for (const LbaRange& structure : layout.structures) {
    if (!overlap(structure, partition)) continue;
    out += (out.empty() ? "" : " and ") + described(structure);
  }
  return out;
}

}  // namespace

void check_no_overlaps(const std::vector<Partition>& partitions, std::uint32_t sector_bytes) {
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    for (std::size_t j = i + 1; j < partitions.size(); ++j) {
      const LbaRange a = lbas_of(partitions[i], sector_bytes);
      const LbaRange b = lbas_of(partitions[j], sector_bytes);
      if (!overlap(a, b)) continue;
      Fail() << "partition table: partitions " << partitions[i].number << " and "
             << partitions[j].number << " overlap (" << described(a) << ", " << described(b)
             << "), so converting either would overwrite the other; 'sfdisk --verify' on the "
                "image reports it"
             << kFixIt;
    }
  }
}

void check_mbr_layout(const std::vector<Partition>& partitions, std::uint32_t sector_bytes) {
  for (const Partition& partition : partitions) {
    const LbaRange range = lbas_of(partition, sector_bytes);
    if (range.first != 0) continue;
    Fail() << "partition table: " << described(range)
           << " starts at sector 0, over the MBR that holds the table, which converting it "
              "would overwrite"
           << kFixIt;
  }
}

void check_logical_layout(const std::vector<Partition>& primaries,
                          const std::vector<Partition>& logicals,
                          const std::vector<LbaRange>& ebrs, std::uint32_t sector_bytes) {
  for (const Partition& logical : logicals) {
    const LbaRange range = lbas_of(logical, sector_bytes);
    bool inside = false;
    for (const Partition& primary : primaries) {
      if (primary.type != "extended") continue;
      const LbaRange container = lbas_of(primary, sector_bytes);
      inside = inside || (range.first >= container.first && range.last <= container.last);
    }
    if (inside) continue;
    Fail() << "partition table: logical " << described(range)
           << " does not lie inside an extended partition, so converting it could overwrite "
              "another partition; 'sfdisk --verify' on the image reports it"
           << kFixIt;
  }
  check_no_overlaps(logicals, sector_bytes);
  std::vector<Partition> all = primaries;
  all.insert(all.end(), logicals.begin(), logicals.end());
  for (const LbaRange& ebr : ebrs) {
    for (const Partition& partition : all) {
      if (partition.type == "extended") continue;
      const LbaRange range = lbas_of(partition, sector_bytes);
      if (!overlap(range, ebr)) continue;
      Fail() << "partition table: " << described(range) << " covers " << described(ebr)
             << ", which converting it would overwrite (and with it the logical partitions it "
                "links)"
             << kFixIt;
    }
  }
}

void check_gpt_layout(const GptLayout& layout, const std::vector<Partition>& partitions,
                      std::uint64_t disk_sectors, std::uint32_t sector_bytes) {
  const LbaRange usable{layout.first_usable_lba, layout.last_usable_lba, "the usable range"};
  if (usable.first > usable.last || usable.last >= disk_sectors) {
    Fail() << "partition table: the GPT's usable range (first usable LBA " << usable.first
           << ", last usable LBA " << usable.last << ") does not fit a disk of " << disk_sectors
           << " sectors: is the image truncated? Otherwise the GPT header is damaged: repair it "
              "(gdisk's recovery menu; sgdisk --verify shows it) and convert again";
  }
  if (const std::string inside = covered_structures(layout, usable); !inside.empty()) {
    Fail() << "partition table: the GPT's usable range (" << lba_text(usable)
           << ") includes " << inside
           << ", where no partition may lie: the GPT header is damaged; repair it (gdisk's "
              "recovery menu; sgdisk --verify shows it) and convert again";
  }
  for (const Partition& partition : partitions) {
    const LbaRange range = lbas_of(partition, sector_bytes);
    if (range.first >= usable.first && range.last <= usable.last) continue;
    std::ostringstream why;
    why << "partition table: GPT " << described(range) << " lies outside the usable range ("
        << lba_text(usable) << ")";
    if (const std::string over = covered_structures(layout, range); !over.empty()) {
      why << ", over " << over << ", which converting it would overwrite";
    }
    Fail() << why.str() << "; 'sgdisk --verify' on the image reports it" << kFixIt;
  }
}

}  // namespace pv2luks
