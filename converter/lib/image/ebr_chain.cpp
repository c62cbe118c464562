#include "image/ebr_chain.h"

#include <algorithm>
#include <array>
#include <set>

#include "base/error.h"

namespace pv2luks {
namespace {

// An EBR is a 512-byte MBR whatever the logical sector size (as libblkid
// and Linux read it): four 16-byte entries at 446, 55 AA at 510.
constexpr std::size_t kEbrBytes = 512;
constexpr std::size_t kEntriesAt = 446;
constexpr std::size_t kEntryBytes = 16;
// Linux (and libblkid) give up after 100 links without a data partition;
// 128 logical partitions is far beyond any real disk.
constexpr std::size_t kMaxEbrs = 128;

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}

bool is_extended_type(std::uint8_t type) { return type == 0x05 || type == 0x0F || type == 0x85; }

std::string lba_text(std::uint64_t lba) { return "LBA " + std::to_string(lba); }

}  // namespace

std::vector<LbaRange> follow_ebr_chain(const ReadAt& read, SparseDisk& disk,
                                       const Partition& extended, std::uint32_t sector_bytes) {
  const std::uint64_t first_lba = extended.start_bytes / sector_bytes;
  const std::uint64_t end_lba = first_lba + extended.size_bytes / sector_bytes;  // exclusive
  const std::string container = "extended partition " + std::to_string(extended.number) + " (LBA " +
                                std::to_string(first_lba) + "-" + std::to_string(end_lba - 1) + ")";
  std::vector<LbaRange> ebrs;
  std::set<std::uint64_t> seen;
  std::uint64_t lba = first_lba;
  while (true) {
    if (lba * sector_bytes + kEbrBytes > disk.size_bytes()) {
      Fail() << "partition table: the EBR at " << lba_text(lba) << " in " << container
             << " lies past the end of the disk: is the image truncated?";
    }
    if (ebrs.size() >= kMaxEbrs) {
      Fail() << "partition table: " << container << " chains more than " << kMaxEbrs
             << " EBRs; pv2luks refuses a table it cannot read completely";
    }
    std::array<std::uint8_t, kEbrBytes> ebr{};
    read(lba * sector_bytes, ebr);
    if (ebr[510] != 0x55 || ebr[511] != 0xAA) break;  // the chain ends (libblkid stops here too)
    seen.insert(lba);
    ebrs.push_back({lba, lba, "the EBR at " + lba_text(lba)});
    disk.copy_in(lba * sector_bytes, sector_bytes);
    const std::uint8_t* link = nullptr;
    for (std::size_t i = 0; i < 4 && !link; ++i) {
      const std::uint8_t* entry = &ebr[kEntriesAt + i * kEntryBytes];
      if (le32(entry + 12) != 0 && is_extended_type(entry[4])) link = entry;
    }
    if (!link) break;
    const std::uint64_t next = first_lba + le32(link + 8);
    if (next >= end_lba) {
      Fail() << "partition table: the EBR at " << lba_text(lba) << " links to " << lba_text(next)
             << ", outside " << container
             << "; correct the table (inside the VM, or with sfdisk on the image) first";
    }
    if (seen.count(next) != 0) {
      Fail() << "partition table: the EBR at " << lba_text(lba) << " links back to "
             << lba_text(next) << ": the chain of logical partitions in " << container
             << " loops; correct the table (inside the VM, or with sfdisk on the image) first";
    }
    lba = next;
  }
  return ebrs;
}

}  // namespace pv2luks
