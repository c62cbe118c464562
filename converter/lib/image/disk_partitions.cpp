#include "image/disk_partitions.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>

#include "base/crc32.h"
#include "base/error.h"
#include "base/probe_lvm_label.h"
#include "image/blkid_table.h"
#include "image/ebr_chain.h"
#include "image/little_endian.h"
#include "image/partition_checks.h"
#include "image/sparse_disk.h"
#include "base/sector.h"

namespace pv2luks {
namespace {

using Bytes = std::vector<std::uint8_t>;

// The MBR is the first 512 bytes, whatever the logical sector size.
constexpr std::size_t kMbrBytes = 512;
constexpr std::size_t kMbrEntriesAt = 446;
constexpr std::size_t kMbrEntryBytes = 16;
constexpr std::size_t kMbrEntryCount = 4;
constexpr std::size_t kMbrSignatureAt = 510;
constexpr std::uint8_t kMbrTypeExtendedChs = 0x05;
constexpr std::uint8_t kMbrTypeExtendedLba = 0x0F;
constexpr std::uint8_t kMbrTypeExtendedLinux = 0x85;
constexpr std::uint8_t kMbrTypeLinux = 0x83;
constexpr std::uint8_t kMbrTypeLvm = 0x8E;
constexpr std::uint8_t kMbrTypeEfi = 0xEF;
constexpr std::uint8_t kMbrTypeGptProtective = 0xEE;

// What libblkid gets to read first: the disk's first and last MiB; then,
// of each partition, its first 64 KiB (nested tables live there).
constexpr std::uint64_t kEdgeBytes = 1 << 20;
constexpr std::uint64_t kPartitionHeadBytes = 64 << 10;


constexpr std::uint64_t kGptPrimaryLba = 1;
constexpr std::size_t kGptMinHeaderBytes = 92;
constexpr std::uint32_t kGptMinEntryBytes = 128;
constexpr std::uint64_t kGptMaxEntryArrayBytes = 4 << 20;  // the usual array is 16 KiB
constexpr std::size_t kGuidBytes = 16;

constexpr std::uint32_t kMinSectorBytes = 512;
constexpr std::uint32_t kMaxSectorBytes = 4096;

Bytes read_bytes(const ReadAt& read, std::uint64_t offset_bytes, std::size_t size_bytes) {
  Bytes out(size_bytes);
  read(offset_bytes, out);
  return out;
}

std::string hex_byte(std::uint8_t value) {
  static const char kHex[] = "0123456789abcdef";
  return std::string("0x") + kHex[value >> 4] + kHex[value & 15];
}

// GUID text: the first three fields are stored little-endian, the rest as is.
std::string guid_text(const std::uint8_t* p) {
  static const char kHex[] = "0123456789ABCDEF";
  static const std::array<int, kGuidBytes> kOrder = {3, 2, 1,  0,  5,  4,  7,  6,
                                                     8, 9, 10, 11, 12, 13, 14, 15};
  std::string text;
  for (std::size_t i = 0; i < kGuidBytes; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[p[kOrder[i]] >> 4];
    text += kHex[p[kOrder[i]] & 15];
  }
  return text;
}

std::string gpt_type_name(const std::string& guid) {
  if (guid == "E6D6D379-F507-44C2-A23C-238F2A3DF928") return "lvm";
  if (guid == "0FC63DAF-8483-4772-8E79-3D69D8477DE4") return "linux";
  if (guid == "C12A7328-F81F-11D2-BA4B-00A0C93EC93B") return "efi";
  return guid;
}

bool is_extended(std::uint8_t type) {
  return type == kMbrTypeExtendedChs || type == kMbrTypeExtendedLba ||
         type == kMbrTypeExtendedLinux;
}

std::string mbr_type_name(std::uint8_t type) {
  if (type == kMbrTypeLvm) return "lvm";
  if (type == kMbrTypeLinux) return "linux";
  if (type == kMbrTypeEfi) return "efi";
  if (is_extended(type)) return "extended";
  return hex_byte(type);
}

void check_sector_bytes(std::uint32_t sector_bytes) {
  if (!std::has_single_bit(sector_bytes) || sector_bytes < kMinSectorBytes ||
      sector_bytes > kMaxSectorBytes) {
    Fail() << "partition table: sector size " << sector_bytes
           << " bytes is not supported (a power of two from 512 to 4096)";
  }
}

void check_inside_disk(const Partition& partition, std::uint64_t disk_bytes) {
  if (partition.start_bytes <= disk_bytes &&
      partition.size_bytes <= disk_bytes - partition.start_bytes) {
    return;
  }
  Fail() << "partition table: partition " << partition.number << " (start " << partition.start_bytes
         << " bytes, size " << partition.size_bytes << " bytes) runs past the end of the disk ("
         << disk_bytes << " bytes): is the image truncated?";
}

// --- MBR ---------------------------------------------------------------------

bool has_mbr_signature(const Bytes& head) {
  return head.size() >= kMbrBytes && head[kMbrSignatureAt] == 0x55 &&
         head[kMbrSignatureAt + 1] == 0xAA;
}

// Why sector 0 is not a partition table although it ends in 55 AA (a boot
// sector of a filesystem on the whole disk, say), or "". libblkid refuses
// such a sector too; this only says why.
std::string mbr_problem(const Bytes& head) {
  for (std::size_t i = 0; i < kMbrEntryCount; ++i) {
    const std::uint8_t flag = head[kMbrEntriesAt + i * kMbrEntryBytes];
    if (flag != 0x00 && flag != 0x80) {
      return "sector 0 ends in 55 AA but is not a partition table (entry " + std::to_string(i + 1) +
             " has boot indicator " + hex_byte(flag) + ")";
    }
  }
  return "";
}

Partition our_partition(const BlkidPartition& found) {
  return {found.number, found.start_bytes, found.size_bytes,
          found.extended ? "extended" : mbr_type_name(static_cast<std::uint8_t>(found.mbr_type))};
}

// The msdos partitions libblkid read (logical ones numbered from 5, as
// Linux numbers them), checked: inside the disk, nothing over the MBR or
// an EBR, primaries apart, logical ones inside their extended partition and
// apart.
void take_msdos_partitions(const BlkidTable& found, const std::vector<LbaRange>& ebrs,
                           std::uint64_t disk_bytes, std::uint32_t sector_bytes,
                           PartitionTable& table) {
  table.kind = "msdos";
  std::vector<Partition> primaries;
  std::vector<Partition> logicals;
  for (const BlkidPartition& p : found.partitions) {
    const Partition partition = our_partition(p);
    check_inside_disk(partition, disk_bytes);
    (p.logical ? logicals : primaries).push_back(partition);
    table.partitions.push_back(partition);
  }
  std::sort(table.partitions.begin(), table.partitions.end(),
            [](const Partition& a, const Partition& b) { return a.number < b.number; });
  check_mbr_layout(table.partitions, sector_bytes);
  check_no_overlaps(primaries, sector_bytes);
  check_logical_layout(primaries, logicals, ebrs, sector_bytes);
}

// --- GPT ---------------------------------------------------------------------

struct GptHeader {
  std::uint64_t alternate_lba = 0;  // where the other copy's header is
  std::uint64_t first_usable_lba = 0;
  std::uint64_t last_usable_lba = 0;
  std::uint64_t entries_lba = 0;
  std::uint32_t entry_count = 0;
  std::uint32_t entry_bytes = 0;
  std::uint32_t entries_crc = 0;
};

// The bytes of one LBA, or none when it lies outside the disk.
bool read_lba(const ReadAt& read, std::uint64_t disk_bytes, std::uint32_t sector_bytes,
              std::uint64_t lba, Bytes& out) {
  if (lba >= disk_bytes / sector_bytes) return false;
  out = read_bytes(read, lba * sector_bytes, sector_bytes);
  return true;
}

bool has_gpt_signature(const Bytes& sector) {
  return sector.size() >= 8 && std::memcmp(sector.data(), "EFI PART", 8) == 0;
}

// Checks the header copy in `sector` (read from `lba`): "" and `header`
// filled, or what is wrong with it.
std::string check_gpt_header(const Bytes& sector, std::uint64_t lba, GptHeader& header) {
  if (!has_gpt_signature(sector)) return "no \"EFI PART\" signature";
  const std::uint32_t header_bytes = le32(&sector[12]);
  if (header_bytes < kGptMinHeaderBytes || header_bytes > sector.size()) {
    return "header size " + std::to_string(header_bytes) + " bytes is not valid";
  }
  Bytes copy(sector.begin(), sector.begin() + header_bytes);
  std::memset(&copy[16], 0, 4);
  if (crc32(copy) != le32(&sector[16])) return "header CRC32 mismatch";
  if (le64(&sector[24]) != lba) {
    return "header says it is at LBA " + std::to_string(le64(&sector[24])) + ", not " +
           std::to_string(lba);
  }
  header.alternate_lba = le64(&sector[32]);
  header.first_usable_lba = le64(&sector[40]);
  header.last_usable_lba = le64(&sector[48]);
  header.entries_lba = le64(&sector[72]);
  header.entry_count = le32(&sector[80]);
  header.entry_bytes = le32(&sector[84]);
  header.entries_crc = le32(&sector[88]);
  if (header.entry_bytes < kGptMinEntryBytes || header.entry_bytes % kGptMinEntryBytes != 0 ||
      !std::has_single_bit(header.entry_bytes / kGptMinEntryBytes)) {
    return "partition entry size " + std::to_string(header.entry_bytes) + " bytes is not valid";
  }
  if (std::uint64_t{header.entry_count} * header.entry_bytes > kGptMaxEntryArrayBytes) {
    return "partition entry array of " + std::to_string(header.entry_count) +
           " entries is too large";
  }
  return "";
}

// The partitions in a CRC-checked entry array (not yet checked against the disk).
std::vector<Partition> gpt_partitions(const Bytes& array, const GptHeader& header,
                                      std::uint32_t sector_bytes) {
  std::vector<Partition> partitions;
  const std::uint64_t max_lba = std::numeric_limits<std::uint64_t>::max() / sector_bytes - 1;
  for (std::uint32_t i = 0; i < header.entry_count; ++i) {
    const std::uint8_t* entry = &array[std::size_t{i} * header.entry_bytes];
    if (std::all_of(entry, entry + kGuidBytes, [](std::uint8_t b) { return b == 0; })) continue;
    const std::uint64_t first_lba = le64(entry + 32);
    const std::uint64_t last_lba = le64(entry + 40);
    if (first_lba > last_lba || last_lba > max_lba) {
      Fail() << "partition table: GPT partition " << i + 1 << " has first LBA " << first_lba
             << " and last LBA " << last_lba;
    }
    partitions.push_back({i + 1, first_lba * sector_bytes,
                          (last_lba - first_lba + 1) * sector_bytes,
                          gpt_type_name(guid_text(entry))});
  }
  return partitions;
}

struct GptCopy {
  std::string problem;  // "" when this copy is sound
  GptHeader header;
  std::vector<Partition> partitions;
};

std::uint64_t array_sectors(const GptHeader& header, std::uint32_t sector_bytes) {
  const std::uint64_t bytes = std::uint64_t{header.entry_count} * header.entry_bytes;
  return std::max<std::uint64_t>((bytes + sector_bytes - 1) / sector_bytes, 1);
}

// Where a sound copy keeps its header and its entry array.
void add_structures(const GptCopy& copy, std::uint64_t header_lba, const std::string& which,
                    std::uint32_t sector_bytes, GptLayout& layout) {
  layout.structures.push_back({header_lba, header_lba, "the " + which + " GPT header"});
  const std::uint64_t first = copy.header.entries_lba;
  layout.structures.push_back({first, first + array_sectors(copy.header, sector_bytes) - 1,
                               "the " + which + " GPT's partition entries"});
}

GptCopy read_gpt_copy(const ReadAt& read, std::uint64_t disk_bytes, std::uint32_t sector_bytes,
                      std::uint64_t lba) {
  Bytes sector;
  if (!read_lba(read, disk_bytes, sector_bytes, lba, sector))
    return {"it lies outside the disk", {}, {}};
  GptHeader header;
  if (std::string problem = check_gpt_header(sector, lba, header); !problem.empty()) {
    return {problem, {}, {}};
  }
  const std::uint64_t array_bytes = std::uint64_t{header.entry_count} * header.entry_bytes;
  const std::uint64_t disk_sectors = disk_bytes / sector_bytes;
  if (header.entries_lba >= disk_sectors ||
      array_bytes > (disk_sectors - header.entries_lba) * sector_bytes) {
    return {"its partition entry array at LBA " + std::to_string(header.entries_lba) +
                " lies outside the disk",
            {},
            {}};
  }
  const Bytes array = read_bytes(read, header.entries_lba * sector_bytes, array_bytes);
  if (crc32(array) != header.entries_crc) {
    return {"partition entry array CRC32 mismatch", {}, {}};
  }
  return {"", header, gpt_partitions(array, header, sector_bytes)};
}

// The primary GPT, or the backup at the last LBA when the primary is damaged;
// then the checks of partition_checks.h against the copy that was read and
// the other copy's structures where they are known.
void read_gpt_partitions(const ReadAt& read, std::uint64_t disk_bytes, std::uint32_t sector_bytes,
                         PartitionTable& table) {
  table.kind = "gpt";
  const std::uint64_t disk_sectors = disk_bytes / sector_bytes;
  GptLayout layout;
  layout.structures.push_back({0, 0, "the protective MBR"});
  const GptCopy primary = read_gpt_copy(read, disk_bytes, sector_bytes, kGptPrimaryLba);
  GptCopy in_use;
  if (primary.problem.empty()) {
    in_use = primary;
    add_structures(primary, kGptPrimaryLba, "primary", sector_bytes, layout);
    const std::uint64_t backup_lba = primary.header.alternate_lba;
    const GptCopy backup = read_gpt_copy(read, disk_bytes, sector_bytes, backup_lba);
    if (backup.problem.empty()) {
      add_structures(backup, backup_lba, "backup", sector_bytes, layout);
    } else {
      table.notes.push_back("the backup GPT at LBA " + std::to_string(backup_lba) +
                            " is damaged (" + backup.problem + ")");
      if (backup_lba < disk_sectors) {
        layout.structures.push_back({backup_lba, backup_lba, "the backup GPT header"});
      }
    }
  } else {
    const std::uint64_t backup_lba = disk_sectors - 1;
    GptCopy backup = read_gpt_copy(read, disk_bytes, sector_bytes, backup_lba);
    if (!backup.problem.empty()) {
      Fail() << "partition table: damaged GPT: the primary header at LBA " << kGptPrimaryLba << ": "
             << primary.problem << "; the backup header at LBA " << backup_lba << ": "
             << backup.problem;
    }
    table.notes.push_back("the primary GPT at LBA 1 is damaged (" + primary.problem +
                          "): read the backup at LBA " + std::to_string(backup_lba));
    layout.structures.push_back({kGptPrimaryLba, kGptPrimaryLba, "the primary GPT header"});
    add_structures(backup, backup_lba, "backup", sector_bytes, layout);
    in_use = std::move(backup);
  }
  // Whatever a header says, the backup GPT header belongs at the disk's last
  // LBA: a header whose alternate LBA points elsewhere must not let a
  // partition (which the conversion would write to its end) cover it.
  const std::uint64_t last_lba = disk_sectors - 1;
  if (std::none_of(layout.structures.begin(), layout.structures.end(),
                   [&](const LbaRange& s) { return s.first <= last_lba && last_lba <= s.last; })) {
    layout.structures.push_back({last_lba, last_lba, "the disk's last LBA, where the backup GPT header belongs"});
  }
  table.partitions = std::move(in_use.partitions);
  for (const Partition& partition : table.partitions) check_inside_disk(partition, disk_bytes);
  layout.first_usable_lba = in_use.header.first_usable_lba;
  layout.last_usable_lba = in_use.header.last_usable_lba;
  check_gpt_layout(layout, table.partitions, disk_sectors, sector_bytes);
  check_no_overlaps(table.partitions, sector_bytes);
}

// --- What libblkid read --------------------------------------------------------

std::string blkid_listing(const std::vector<BlkidPartition>& partitions) {
  std::string out;
  for (const BlkidPartition& p : partitions) {
    out += (out.empty() ? "" : ", ") + std::to_string(p.number) + " (start " +
           std::to_string(p.start_bytes) + " bytes, size " + std::to_string(p.size_bytes) +
           " bytes)";
  }
  return out.empty() ? "none" : out;
}

// A table other than msdos or GPT, or a table nested in a partition, is
// refused: pv2luks checks only those two formats for overlaps.
void refuse_other_tables(const BlkidTable& found) {
  if (!found.type.empty() && found.type != "dos" && found.type != "gpt") {
    Fail() << "partition table: libblkid finds a \"" << found.type
           << "\" partition table (partitions: " << blkid_listing(found.partitions)
           << "); pv2luks converts a PV only in a GPT or msdos (MBR) partition table, or on a "
              "whole disk: convert it live inside the system that uses it, or move it to such "
              "a disk first";
  }
  for (const BlkidPartition& p : found.partitions) {
    if (!p.nested) continue;
    Fail() << "partition table: libblkid finds a \"" << p.table
           << "\" partition table nested inside a partition of the " << found.type
           << " table (its partition " << p.number << " at " << p.start_bytes
           << " bytes); pv2luks does not convert partitions of nested tables: convert the PV "
              "live inside the system that uses it, or move it to a plain GPT or msdos partition";
  }
}

bool has_gpt_hint(const ReadAt& read, const Bytes& head, std::uint64_t disk_bytes,
                  std::uint32_t sector_bytes) {
  if (has_mbr_signature(head)) {
    for (std::size_t i = 0; i < kMbrEntryCount; ++i) {
      if (head[kMbrEntriesAt + i * kMbrEntryBytes + 4] == kMbrTypeGptProtective) return true;
    }
  }
  Bytes lba1;
  return read_lba(read, disk_bytes, sector_bytes, kGptPrimaryLba, lba1) && has_gpt_signature(lba1);
}

// pv2luks's own reading of a GPT (for its checks: the usable range, both
// copies' structures, entries libblkid skips) must list what libblkid lists.
void check_same_as_blkid(const PartitionTable& table, const BlkidTable& found) {
  bool same = found.type == "gpt" && found.partitions.size() == table.partitions.size();
  for (std::size_t i = 0; same && i < table.partitions.size(); ++i) {
    const Partition& ours = table.partitions[i];
    const BlkidPartition& theirs = found.partitions[i];
    same = ours.number == theirs.number && ours.start_bytes == theirs.start_bytes &&
           ours.size_bytes == theirs.size_bytes;
  }
  if (same) return;
  std::vector<BlkidPartition> ours;
  for (const Partition& p : table.partitions) {
    BlkidPartition mine;
    mine.number = p.number;
    mine.start_bytes = p.start_bytes;
    mine.size_bytes = p.size_bytes;
    ours.push_back(mine);
  }
  Fail() << "partition table: libblkid reads this GPT differently (" << (found.type.empty() ? "no table" : found.type)
         << ", partitions: " << blkid_listing(found.partitions)
         << ") from pv2luks's own checks (partitions: " << blkid_listing(ours)
         << "); repair the table ('sgdisk --verify' on the image) and convert again";
}

}  // namespace

PartitionTable read_partition_table(const ReadAt& read, std::uint64_t disk_bytes,
                                    std::uint32_t sector_bytes) {
  check_sector_bytes(sector_bytes);
  PartitionTable table;
  table.kind = "none";
  const Bytes head = read_bytes(
      read, 0, std::min<std::uint64_t>(disk_bytes, kLvmLabelScanSectors * kSectorBytes));
  if (const auto sector = find_lvm_label(head)) {
    table.notes.push_back("an LVM label in sector " + std::to_string(*sector) +
                          ": the whole disk is a physical volume");
    return table;
  }
  if (disk_bytes < 2 * std::uint64_t{sector_bytes}) return table;
  // libblkid reads a sparse copy: the disk's first and last MiB (the MBR,
  // both GPTs, the other table formats' labels), then the EBR chains, then
  // the first KiBs of each partition (where a nested table would be).
  SparseDisk disk(read, disk_bytes);
  disk.copy_in(0, kEdgeBytes);
  disk.copy_in(disk_bytes - std::min(disk_bytes, kEdgeBytes), kEdgeBytes);
  BlkidTable found = blkid_read_table(disk, sector_bytes);
  std::vector<LbaRange> ebrs;
  if (found.type == "dos") {
    for (const BlkidPartition& p : found.partitions) {
      if (p.extended && !p.logical) {
        const auto chain = follow_ebr_chain(read, disk, our_partition(p), sector_bytes);
        ebrs.insert(ebrs.end(), chain.begin(), chain.end());
      }
    }
    found = blkid_read_table(disk, sector_bytes);
    for (const BlkidPartition& p : found.partitions) {
      if (!p.extended) disk.copy_in(p.start_bytes, kPartitionHeadBytes);
    }
    found = blkid_read_table(disk, sector_bytes);
  }
  if (found.type == "gpt" || (found.type != "dos" && has_gpt_hint(read, head, disk_bytes, sector_bytes))) {
    if (!has_mbr_signature(head)) table.notes.push_back("a GPT without a protective MBR");
    read_gpt_partitions(read, disk_bytes, sector_bytes, table);
    check_same_as_blkid(table, found);
    return table;
  }
  refuse_other_tables(found);
  if (found.type == "dos") {
    take_msdos_partitions(found, ebrs, disk_bytes, sector_bytes, table);
  } else if (has_mbr_signature(head)) {
    if (std::string problem = mbr_problem(head); !problem.empty()) table.notes.push_back(problem);
  }
  return table;
}

}  // namespace pv2luks
