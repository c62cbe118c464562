// Partition tables of disk images (converter/lib/image/disk_partitions.h):
// MBR and GPT tables built byte by byte here from the on-disk formats (UEFI
// spec GPT header and entries with their CRC32s, the classic MBR), and tables
// written by sfdisk on temporary files, read back and compared with what
// sfdisk itself reports. Negative controls: damaged CRCs, truncated images.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/property_tree/ptree.hpp>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "error_of.h"
#include "base/crc32.h"
#include "base/error.h"
#include "base/json.h"
#include "base/process.h"
#include "image/disk_partitions.h"

namespace pv2luks {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kMiB = 1024 * 1024;
const char kLvmGuid[] = "E6D6D379-F507-44C2-A23C-238F2A3DF928";
const char kLinuxGuid[] = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";
const char kEfiGuid[] = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
const char kBasicDataGuid[] = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";

// --- An in-memory disk and the formats, from first principles ---------------

class Disk {
 public:
  Disk(std::uint64_t size_bytes, std::uint32_t sector_bytes)
      : bytes_(size_bytes, 0), sector_bytes_(sector_bytes) {}

  ReadAt reader() const {
    return [this](std::uint64_t offset, std::span<std::uint8_t> out) {
      if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
        Fail() << "memory disk: read of " << out.size() << " bytes at " << offset
               << " failed: past the end";
      }
      std::memcpy(out.data(), bytes_.data() + offset, out.size());
    };
  }
  std::uint64_t size_bytes() const { return bytes_.size(); }
  std::uint32_t sector_bytes() const { return sector_bytes_; }
  std::uint64_t sectors() const { return bytes_.size() / sector_bytes_; }
  std::uint8_t* at(std::uint64_t offset) { return bytes_.data() + offset; }
  std::uint8_t* lba(std::uint64_t lba) { return at(lba * sector_bytes_); }
  void truncate(std::uint64_t size_bytes) { bytes_.resize(size_bytes); }

 private:
  Bytes bytes_;
  std::uint32_t sector_bytes_;
};

void put_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void put_le64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// GUID text to its 16 on-disk bytes: the first three fields little-endian.
void put_guid(std::uint8_t* p, const std::string& text) {
  std::string hex;
  for (const char c : text) {
    if (c != '-') hex += c;
  }
  std::uint8_t raw[16];
  for (int i = 0; i < 16; ++i)
    raw[i] = static_cast<std::uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  for (int i = 0; i < 16; ++i) p[i] = raw[order[i]];
}

struct MbrSlot {
  int slot;  // 1-4
  std::uint8_t type;
  std::uint32_t first_lba;
  std::uint32_t sectors;
  std::uint8_t boot = 0;
};

void write_mbr(Disk& disk, const std::vector<MbrSlot>& slots) {
  for (const MbrSlot& s : slots) {
    std::uint8_t* entry = disk.at(446 + 16 * (s.slot - 1));
    entry[0] = s.boot;
    entry[4] = s.type;
    put_le32(entry + 8, s.first_lba);
    put_le32(entry + 12, s.sectors);
  }
  disk.at(510)[0] = 0x55;
  disk.at(510)[1] = 0xAA;
}

struct GptEntry {
  std::uint32_t index;  // 0-based slot in the array
  std::string type_guid;
  std::uint64_t first_lba;
  std::uint64_t last_lba;
};

constexpr std::uint32_t kEntryCount = 128;
constexpr std::uint32_t kEntryBytes = 128;

std::uint64_t entry_array_sectors(const Disk& disk) {
  return (kEntryCount * kEntryBytes + disk.sector_bytes() - 1) / disk.sector_bytes();
}

// One header (at header_lba) and its entry array (at entries_lba), with CRCs.
void write_gpt_copy(Disk& disk, std::uint64_t header_lba, std::uint64_t alternate_lba,
                    std::uint64_t entries_lba, const std::vector<GptEntry>& entries) {
  std::uint8_t* array = disk.lba(entries_lba);
  std::memset(array, 0, kEntryCount * kEntryBytes);
  for (const GptEntry& e : entries) {
    std::uint8_t* entry = array + e.index * kEntryBytes;
    put_guid(entry, e.type_guid);
    put_guid(entry + 16, "01234567-89AB-CDEF-0123-456789ABCDEF");
    put_le64(entry + 32, e.first_lba);
    put_le64(entry + 40, e.last_lba);
  }
  std::uint8_t* header = disk.lba(header_lba);
  std::memset(header, 0, disk.sector_bytes());
  std::memcpy(header, "EFI PART", 8);
  put_le32(header + 8, 0x00010000);  // revision 1.0
  put_le32(header + 12, 92);
  put_le64(header + 24, header_lba);
  put_le64(header + 32, alternate_lba);
  put_le64(header + 40, 2 + entry_array_sectors(disk));
  put_le64(header + 48, disk.sectors() - 2 - entry_array_sectors(disk));
  put_guid(header + 56, "FEDCBA98-7654-3210-FEDC-BA9876543210");
  put_le64(header + 72, entries_lba);
  put_le32(header + 80, kEntryCount);
  put_le32(header + 84, kEntryBytes);
  put_le32(header + 88, crc32({array, kEntryCount * kEntryBytes}));
  put_le32(header + 16, crc32({header, 92}));
}

// A protective MBR, the primary GPT at LBA 1 and the backup at the last LBA.
void write_gpt(Disk& disk, const std::vector<GptEntry>& entries) {
  const std::uint64_t last = disk.sectors() - 1;
  write_mbr(disk,
            {{1, 0xEE, 1, static_cast<std::uint32_t>(std::min<std::uint64_t>(last, 0xFFFFFFFF))}});
  write_gpt_copy(disk, 1, last, 2, entries);
  write_gpt_copy(disk, last, 1, last - entry_array_sectors(disk), entries);
}

PartitionTable read_table(const Disk& disk) {
  return read_partition_table(disk.reader(), disk.size_bytes(), disk.sector_bytes());
}

bool has_note(const PartitionTable& table, const std::string& words) {
  for (const std::string& note : table.notes) {
    if (note.find(words) != std::string::npos) return true;
  }
  return false;
}

// --- CRC32 -------------------------------------------------------------------

TEST(Crc32, KnownAnswersAndPieces) {
  const std::string check = "123456789";
  const Bytes bytes(check.begin(), check.end());
  EXPECT_EQ(crc32(bytes), 0xCBF43926u);  // the CRC-32 catalogue's check value
  EXPECT_EQ(crc32({}), 0u);
  const std::span<const std::uint8_t> all(bytes);
  EXPECT_EQ(crc32(all.subspan(4), crc32(all.first(4))), 0xCBF43926u);
  Bytes flipped = bytes;
  flipped[3] ^= 1;
  EXPECT_NE(crc32(flipped), 0xCBF43926u);
}

// --- GPT ---------------------------------------------------------------------

TEST(DiskPartitions, GptPartitionsTypesAndNumbers) {
  Disk disk(64 * kMiB, 512);
  write_gpt(disk, {{0, kEfiGuid, 2048, 4095},
                   {1, kLvmGuid, 4096, 69631},
                   {3, kBasicDataGuid, 69632, 73727},
                   {4, kLinuxGuid, 73728, 73728}});
  const PartitionTable table = read_table(disk);
  EXPECT_EQ(table.kind, "gpt");
  EXPECT_TRUE(table.notes.empty());
  ASSERT_EQ(table.partitions.size(), 4u);
  EXPECT_EQ(table.partitions[0].number, 1u);
  EXPECT_EQ(table.partitions[0].type, "efi");
  EXPECT_EQ(table.partitions[0].start_bytes, 2048u * 512);
  EXPECT_EQ(table.partitions[0].size_bytes, 2048u * 512);
  EXPECT_EQ(table.partitions[1].number, 2u);
  EXPECT_EQ(table.partitions[1].type, "lvm");
  EXPECT_EQ(table.partitions[1].start_bytes, 4096u * 512);
  EXPECT_EQ(table.partitions[1].size_bytes, 65536u * 512);
  EXPECT_EQ(table.partitions[2].number, 4u);  // entry index 3: slot 2 is empty
  EXPECT_EQ(table.partitions[2].type, kBasicDataGuid);
  EXPECT_EQ(table.partitions[3].number, 5u);
  EXPECT_EQ(table.partitions[3].type, "linux");
  EXPECT_EQ(table.partitions[3].size_bytes, 512u);  // first == last: one sector
}

TEST(DiskPartitions, GptWith4096ByteSectors) {
  Disk disk(32 * kMiB, 4096);
  write_gpt(disk, {{0, kLvmGuid, 256, 4351}});
  const PartitionTable table = read_table(disk);
  EXPECT_EQ(table.kind, "gpt");
  ASSERT_EQ(table.partitions.size(), 1u);
  EXPECT_EQ(table.partitions[0].start_bytes, 256u * 4096);
  EXPECT_EQ(table.partitions[0].size_bytes, 4096u * 4096);
  // Read as if it had 512-byte sectors, there is no GPT header at LBA 1 or
  // at the last LBA: a damaged GPT, not a wrong answer.
  EXPECT_NE(error_of([&] {
              read_partition_table(disk.reader(), disk.size_bytes(), 512);
            }).find("damaged GPT"),
            std::string::npos);
}

TEST(DiskPartitions, DamagedPrimaryHeaderFallsBackToTheBackup) {
  Disk disk(16 * kMiB, 512);
  write_gpt(disk, {{0, kLvmGuid, 2048, 30000}});
  disk.lba(1)[60] ^= 0x01;  // a bit of the disk GUID: covered by the header CRC
  const PartitionTable table = read_table(disk);
  EXPECT_EQ(table.kind, "gpt");
  EXPECT_TRUE(has_note(table, "header CRC32 mismatch")) << ::testing::PrintToString(table.notes);
  EXPECT_TRUE(has_note(table, "read the backup at LBA " + std::to_string(disk.sectors() - 1)));
  ASSERT_EQ(table.partitions.size(), 1u);
  EXPECT_EQ(table.partitions[0].start_bytes, 2048u * 512);
}

TEST(DiskPartitions, DamagedPrimaryEntriesFallBackToTheBackup) {
  Disk disk(16 * kMiB, 512);
  write_gpt(disk, {{0, kLvmGuid, 2048, 30000}});
  disk.lba(2)[40] ^= 0x01;  // the primary copy's last LBA of entry 0
  const PartitionTable table = read_table(disk);
  EXPECT_TRUE(has_note(table, "partition entry array CRC32 mismatch"));
  ASSERT_EQ(table.partitions.size(), 1u);
  EXPECT_EQ(table.partitions[0].size_bytes, (30000u - 2048 + 1) * 512);
}

TEST(DiskPartitions, BothGptCopiesDamagedIsAnError) {
  Disk disk(16 * kMiB, 512);
  write_gpt(disk, {{0, kLvmGuid, 2048, 30000}});
  disk.lba(1)[60] ^= 0x01;
  disk.lba(disk.sectors() - 1)[60] ^= 0x01;
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("damaged GPT"), std::string::npos) << error;
  EXPECT_NE(error.find("primary header at LBA 1: header CRC32 mismatch"), std::string::npos)
      << error;
  EXPECT_NE(error.find("backup header at LBA " + std::to_string(disk.sectors() - 1)),
            std::string::npos)
      << error;
}

TEST(DiskPartitions, GptPartitionPastTheEndOfATruncatedImage) {
  Disk disk(64 * kMiB, 512);
  write_gpt(disk, {{0, kEfiGuid, 2048, 4095}, {1, kLvmGuid, 4096, 131037}});
  disk.truncate(40 * kMiB);  // the primary GPT survives; the backup and the PV's tail do not
  const std::string error = error_of([&] { read_table(disk); });
  const std::string sizes = "partition 2 (start " + std::to_string(4096 * 512) + " bytes, size " +
                            std::to_string((131037 - 4096 + 1) * 512) + " bytes)";
  EXPECT_NE(error.find(sizes), std::string::npos) << error;
  EXPECT_NE(error.find("disk (41943040 bytes)"), std::string::npos) << error;
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
}

TEST(DiskPartitions, GptWithoutAProtectiveMbr) {
  Disk disk(16 * kMiB, 512);
  write_gpt(disk, {{0, kLvmGuid, 2048, 30000}});
  std::memset(disk.at(0), 0, 512);
  const PartitionTable table = read_table(disk);
  EXPECT_EQ(table.kind, "gpt");
  EXPECT_TRUE(has_note(table, "without a protective MBR"));
  EXPECT_EQ(table.partitions.size(), 1u);
}

// --- Tables that would let a conversion overwrite something (sfdisk --verify) --

// Rewrites one header's first and last usable LBA, its CRC recomputed.
void set_usable_range(Disk& disk, std::uint64_t header_lba, std::uint64_t first,
                      std::uint64_t last) {
  std::uint8_t* header = disk.lba(header_lba);
  put_le64(header + 40, first);
  put_le64(header + 48, last);
  put_le32(header + 16, 0);
  put_le32(header + 16, crc32({header, 92}));
}

TEST(DiskPartitionsChecks, GptPartitionsThatOverlapAreAnError) {
  Disk disk(64 * kMiB, 512);
  write_gpt(disk, {{0, kLinuxGuid, 2048, 40000}, {1, kLvmGuid, 40000, 100000}});
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("partitions 1 and 2 overlap"), std::string::npos) << error;
  EXPECT_NE(error.find("partition 1 (LBA 2048-40000)"), std::string::npos) << error;
  EXPECT_NE(error.find("partition 2 (LBA 40000-100000)"), std::string::npos) << error;
  EXPECT_NE(error.find("sfdisk --verify"), std::string::npos) << error;
}

TEST(DiskPartitionsChecks, GptPartitionInsideAnotherIsAnError) {
  Disk disk(64 * kMiB, 512);
  write_gpt(disk, {{0, kLvmGuid, 2048, 100000}, {5, kLinuxGuid, 90000, 90000}});
  EXPECT_NE(error_of([&] { read_table(disk); }).find("partitions 1 and 6 overlap"),
            std::string::npos);
}

TEST(DiskPartitionsChecks, GptPartitionOverTheBackupGptIsAnError) {
  Disk disk(16 * kMiB, 512);
  const std::uint64_t last = disk.sectors() - 1;
  write_gpt(disk, {{0, kLvmGuid, 2048, last}});
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("partition 1 (LBA 2048-" + std::to_string(last) +
                       ") lies outside the usable range (LBA 34-" + std::to_string(last - 33) + ")"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("the backup GPT header (LBA " + std::to_string(last) + ")"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("the backup GPT's partition entries (LBA " + std::to_string(last - 32) +
                       "-" + std::to_string(last - 1) + ")"),
            std::string::npos)
      << error;
}

TEST(DiskPartitionsChecks, GptPartitionOverThePrimaryEntriesIsAnError) {
  Disk disk(16 * kMiB, 512);
  write_gpt(disk, {{0, kLvmGuid, 20, 30000}});
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("over the primary GPT's partition entries (LBA 2-33)"), std::string::npos)
      << error;
}

TEST(DiskPartitionsChecks, GptPartitionUpToTheLastUsableLbaIsFine) {
  Disk disk(16 * kMiB, 512);
  write_gpt(disk, {{0, kLvmGuid, 34, disk.sectors() - 34}});
  EXPECT_EQ(read_table(disk).partitions.size(), 1u);
}

TEST(DiskPartitionsChecks, GptUsableRangeOverItsOwnBackupIsAnError) {
  // CRCs valid, the partition inside the usable range: the header itself
  // claims the backup's sectors for partitions.
  Disk disk(16 * kMiB, 512);
  const std::uint64_t last = disk.sectors() - 1;
  write_gpt(disk, {{0, kLvmGuid, 2048, last}});
  set_usable_range(disk, 1, 34, last);
  set_usable_range(disk, last, 34, last);
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("the GPT's usable range (LBA 34-" + std::to_string(last) + ") includes"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("the GPT header is damaged"), std::string::npos) << error;
}

TEST(DiskPartitionsChecks, AnAlternateLbaOffTheLastLbaStillProtectsTheBackup) {
  // CRCs valid; the primary names itself as its backup and claims every
  // sector up to the last for partitions; the real backup is at the last LBA.
  Disk disk(16 * kMiB, 512);
  const std::uint64_t last = disk.sectors() - 1;
  write_gpt(disk, {{0, kLvmGuid, 2048, last}});
  write_gpt_copy(disk, 1, 1, 2, {{0, kLvmGuid, 2048, last}});
  set_usable_range(disk, 1, 34, last);
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("the disk's last LBA, where the backup GPT header belongs"),
            std::string::npos)
      << error;
}

TEST(DiskPartitionsChecks, GptUsableRangePastTheDiskIsAnError) {
  Disk disk(16 * kMiB, 512);
  write_gpt(disk, {{0, kLvmGuid, 2048, 20000}});
  set_usable_range(disk, 1, 34, disk.sectors() + 100);
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("does not fit a disk of " + std::to_string(disk.sectors()) + " sectors"),
            std::string::npos)
      << error;
}

TEST(DiskPartitionsChecks, ADamagedBackupIsANote) {
  Disk disk(16 * kMiB, 512);
  write_gpt(disk, {{0, kLvmGuid, 2048, 30000}});
  disk.lba(disk.sectors() - 1)[60] ^= 0x01;
  const PartitionTable table = read_table(disk);
  EXPECT_TRUE(has_note(table, "the backup GPT at LBA " + std::to_string(disk.sectors() - 1) +
                                  " is damaged (header CRC32 mismatch)"));
  EXPECT_EQ(table.partitions.size(), 1u);
}

TEST(DiskPartitionsChecks, FromTheBackupTheChecksStillApply) {
  Disk disk(16 * kMiB, 512);
  write_gpt(disk, {{0, kLinuxGuid, 2048, 4095}, {1, kLvmGuid, 4000, 30000}});
  disk.lba(1)[60] ^= 0x01;
  EXPECT_NE(error_of([&] { read_table(disk); }).find("partitions 1 and 2 overlap"),
            std::string::npos);
}

TEST(DiskPartitionsChecks, MbrPrimariesThatOverlapAreAnError) {
  Disk disk(64 * kMiB, 512);
  write_mbr(disk, {{1, 0x83, 2048, 8192}, {2, 0x8E, 10240, 65536}, {3, 0x83, 70000, 8192}});
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("partitions 2 and 3 overlap (partition 2 (LBA 10240-75775), partition 3 "
                       "(LBA 70000-78191))"),
            std::string::npos)
      << error;
}

TEST(DiskPartitionsChecks, MbrExtendedPartitionOverAPrimaryIsAnError) {
  Disk disk(64 * kMiB, 512);
  write_mbr(disk, {{1, 0x8E, 2048, 65536}, {2, 0x05, 60000, 8192}});
  EXPECT_NE(error_of([&] { read_table(disk); }).find("partitions 1 and 2 overlap"),
            std::string::npos);
}

TEST(DiskPartitionsChecks, MbrPartitionAtSectorZeroIsAnError) {
  Disk disk(64 * kMiB, 512);
  write_mbr(disk, {{1, 0x8E, 0, 65536}});
  EXPECT_NE(error_of([&] { read_table(disk); }).find("starts at sector 0"), std::string::npos);
}

// --- MBR ---------------------------------------------------------------------

TEST(DiskPartitions, MbrPrimariesAndTypes) {
  Disk disk(64 * kMiB, 512);
  write_mbr(disk, {{1, 0xEF, 2048, 2048}, {2, 0x8E, 4096, 65536, 0x80}, {4, 0x07, 69632, 2048}});
  const PartitionTable table = read_table(disk);
  EXPECT_EQ(table.kind, "msdos");
  EXPECT_TRUE(table.notes.empty());
  ASSERT_EQ(table.partitions.size(), 3u);
  EXPECT_EQ(table.partitions[0].type, "efi");
  EXPECT_EQ(table.partitions[1].number, 2u);
  EXPECT_EQ(table.partitions[1].type, "lvm");
  EXPECT_EQ(table.partitions[1].start_bytes, 4096u * 512);
  EXPECT_EQ(table.partitions[1].size_bytes, 65536u * 512);
  EXPECT_EQ(table.partitions[2].number, 4u);
  EXPECT_EQ(table.partitions[2].type, "0x07");
}

TEST(DiskPartitions, MbrWith4096ByteSectorsCountsInThem) {
  Disk disk(64 * kMiB, 4096);
  write_mbr(disk, {{1, 0x83, 256, 1024}});
  const PartitionTable table = read_table(disk);
  ASSERT_EQ(table.partitions.size(), 1u);
  EXPECT_EQ(table.partitions[0].type, "linux");
  EXPECT_EQ(table.partitions[0].start_bytes, 256u * 4096);
  EXPECT_EQ(table.partitions[0].size_bytes, 1024u * 4096);
}

TEST(DiskPartitions, MbrEmptyExtendedPartitionIsListed) {
  Disk disk(64 * kMiB, 512);
  write_mbr(disk, {{1, 0x8E, 2048, 20480}, {2, 0x05, 22528, 40960}});
  const PartitionTable table = read_table(disk);
  ASSERT_EQ(table.partitions.size(), 2u);
  EXPECT_EQ(table.partitions[1].type, "extended");
  EXPECT_TRUE(table.notes.empty());
}

// --- msdos logical partitions --------------------------------------------------

struct EbrEntry {
  std::uint8_t type;
  std::uint32_t relative_lba;  // data: from this EBR; link: from the extended partition's start
  std::uint32_t sectors;
};

// An EBR at `lba`: its logical partition, and a link to the next EBR (or none).
void write_ebr(Disk& disk, std::uint64_t lba, EbrEntry data, std::optional<EbrEntry> link) {
  std::uint8_t* ebr = disk.lba(lba);
  std::memset(ebr, 0, 512);
  ebr[446 + 4] = data.type;
  put_le32(ebr + 446 + 8, data.relative_lba);
  put_le32(ebr + 446 + 12, data.sectors);
  if (link) {
    ebr[462 + 4] = link->type;
    put_le32(ebr + 462 + 8, link->relative_lba);
    put_le32(ebr + 462 + 12, link->sectors);
  }
  ebr[510] = 0x55;
  ebr[511] = 0xAA;
}

// A Debian BIOS installer's layout: /boot on 1, extended 2 from LBA 22528,
// 5 (the PV) and 6 logical, each EBR 2048 sectors before its partition.
Disk debian_like_disk(std::uint32_t sector_bytes = 512) {
  const std::uint32_t f = sector_bytes / 512;  // the same bytes in bigger sectors
  Disk disk(64 * kMiB, sector_bytes);
  write_mbr(disk, {{1, 0x83, 2048 / f, 20480 / f, 0x80}, {2, 0x05, 22528 / f, 100352 / f}});
  write_ebr(disk, 22528 / f, {0x8E, 2048 / f, 65536 / f}, EbrEntry{0x05, 67584 / f, 32768 / f});
  write_ebr(disk, 90112 / f, {0x83, 2048 / f, 30720 / f}, std::nullopt);
  return disk;
}

TEST(DiskPartitionsLogical, NumberedFromFiveInChainOrder) {
  const PartitionTable table = read_table(debian_like_disk());
  EXPECT_EQ(table.kind, "msdos");
  EXPECT_TRUE(table.notes.empty());
  ASSERT_EQ(table.partitions.size(), 4u);
  EXPECT_EQ(table.partitions[1].type, "extended");
  EXPECT_EQ(table.partitions[2].number, 5u);
  EXPECT_EQ(table.partitions[2].type, "lvm");
  EXPECT_EQ(table.partitions[2].start_bytes, 24576u * 512);
  EXPECT_EQ(table.partitions[2].size_bytes, 65536u * 512);
  EXPECT_EQ(table.partitions[3].number, 6u);
  EXPECT_EQ(table.partitions[3].type, "linux");
  EXPECT_EQ(table.partitions[3].start_bytes, 92160u * 512);
}

TEST(DiskPartitionsLogical, With4096ByteSectors) {
  const PartitionTable table = read_table(debian_like_disk(4096));
  ASSERT_EQ(table.partitions.size(), 4u);
  EXPECT_EQ(table.partitions[2].number, 5u);
  EXPECT_EQ(table.partitions[2].start_bytes, 24576u * 512);
  EXPECT_EQ(table.partitions[3].start_bytes, 92160u * 512);
}

TEST(DiskPartitionsLogical, AChainThatLoopsIsAnError) {
  Disk disk = debian_like_disk();
  write_ebr(disk, 90112, {0x83, 2048, 30720}, EbrEntry{0x05, 0, 2048});  // back to the first EBR
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("the EBR at LBA 90112 links back to LBA 22528"), std::string::npos) << error;
  EXPECT_NE(error.find("loops"), std::string::npos) << error;
}

TEST(DiskPartitionsLogical, ALinkOutsideTheExtendedPartitionIsAnError) {
  Disk disk = debian_like_disk();
  write_ebr(disk, 90112, {0x83, 2048, 30720}, EbrEntry{0x05, 110000, 2048});
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("links to LBA 132528, outside extended partition 2 (LBA 22528-122879)"),
            std::string::npos)
      << error;
}

TEST(DiskPartitionsLogical, ALogicalPartitionOutsideItsExtendedPartitionIsAnError) {
  Disk disk = debian_like_disk();
  write_ebr(disk, 90112, {0x83, 2048, 36000}, std::nullopt);  // ends past LBA 122879
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("logical partition 6 (LBA 92160-128159) does not lie inside an extended"),
            std::string::npos)
      << error;
}

TEST(DiskPartitionsLogical, LogicalPartitionsThatOverlapAreAnError) {
  Disk disk = debian_like_disk();
  // 6 starts 8000 sectors before its EBR (the 32-bit start wraps), inside 5.
  write_ebr(disk, 90112, {0x83, static_cast<std::uint32_t>(-8000), 30720}, std::nullopt);
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("partitions 5 and 6 overlap (partition 5 (LBA 24576-90111), partition 6 "
                       "(LBA 82112-112831))"),
            std::string::npos)
      << error;
}

TEST(DiskPartitionsLogical, ALogicalPartitionOverTheNextEbrIsAnError) {
  Disk disk = debian_like_disk();
  write_ebr(disk, 22528, {0x8E, 2048, 67584}, EbrEntry{0x05, 67584, 32768});  // 5 ends at 92159
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("partition 5 (LBA 24576-92159) covers the EBR at LBA 90112"),
            std::string::npos)
      << error;
}

TEST(DiskPartitionsLogical, ABsdTableNestedInAPrimaryIsRefused) {
  Disk disk(64 * kMiB, 512);
  write_mbr(disk, {{1, 0xA5, 2048, 20480}});
  std::uint8_t* label = disk.lba(2048 + 1);
  put_le32(label, 0x82564557);        // d_magic
  put_le32(label + 132, 0x82564557);  // d_magic2
  label[138] = 1;                     // d_npartitions
  put_le32(label + 148, 1024);        // p_size
  put_le32(label + 152, 4096);        // p_offset
  label[148 + 12] = 7;                // p_fstype: 4.2BSD
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("\"freebsd\" partition table nested inside a partition of the dos table"),
            std::string::npos)
      << error;
}

TEST(DiskPartitionsLogical, AWholeDiskBsdTableIsRefused) {
  Disk disk(64 * kMiB, 512);
  std::uint8_t* label = disk.lba(1);
  put_le32(label, 0x82564557);
  put_le32(label + 132, 0x82564557);
  label[138] = 1;
  put_le32(label + 148, 1024);
  put_le32(label + 152, 4096);
  label[148 + 12] = 7;
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("libblkid finds a \"bsd\" partition table (partitions: 1 (start "),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("GPT or msdos"), std::string::npos) << error;
}

TEST(DiskPartitions, MbrPartitionPastTheEnd) {
  Disk disk(64 * kMiB, 512);
  write_mbr(disk, {{1, 0x83, 2048, 2048}, {3, 0x8E, 4096, 131072}});
  const std::string error = error_of([&] { read_table(disk); });
  EXPECT_NE(error.find("partition 3 (start 2097152 bytes, size 67108864 bytes)"), std::string::npos)
      << error;
  EXPECT_NE(error.find("disk (67108864 bytes)"), std::string::npos) << error;
}

// --- No partition table ------------------------------------------------------

TEST(DiskPartitions, NoSignatureIsNone) {
  Disk disk(4 * kMiB, 512);
  const PartitionTable table = read_table(disk);
  EXPECT_EQ(table.kind, "none");
  EXPECT_TRUE(table.partitions.empty());
}

TEST(DiskPartitions, WholeDiskPvIsNoneEvenWithAnOldMbr) {
  Disk disk(4 * kMiB, 512);
  write_mbr(disk, {{1, 0x83, 2048, 2048}});
  std::memcpy(disk.at(512), "LABELONE", 8);
  put_le64(disk.at(512 + 8), 1);  // the label's own sector number
  std::memcpy(disk.at(512 + 24), "LVM2 001", 8);
  const PartitionTable table = read_table(disk);
  EXPECT_EQ(table.kind, "none");
  EXPECT_TRUE(has_note(table, "LVM label in sector 1"));
  // The same bytes with the wrong sector number are not a label.
  put_le64(disk.at(512 + 8), 2);
  EXPECT_EQ(read_table(disk).kind, "msdos");
}

TEST(DiskPartitions, BootSectorThatIsNotAPartitionTable) {
  Disk disk(4 * kMiB, 512);
  write_mbr(disk, {{1, 0x83, 2048, 2048, 0x29}});
  const PartitionTable table = read_table(disk);
  EXPECT_EQ(table.kind, "none");
  EXPECT_TRUE(has_note(table, "boot indicator 0x29"));
}

TEST(DiskPartitions, RefusesOddSectorSizes) {
  Disk disk(4 * kMiB, 512);
  EXPECT_NE(error_of([&] {
              read_partition_table(disk.reader(), disk.size_bytes(), 520);
            }).find("sector size 520"),
            std::string::npos);
}

// --- Against sfdisk, on temporary files ----------------------------------------

class TempFile {
 public:
  explicit TempFile(std::uint64_t size_bytes) {
    std::string pattern = (fs::temp_directory_path() / "pv2luks-parts-XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    if (fd < 0) throw Error("mkstemp failed");
    path_ = pattern;
    if (ftruncate(fd, static_cast<off_t>(size_bytes)) != 0) throw Error("ftruncate failed");
    ::close(fd);
  }
  ~TempFile() { fs::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

ReadAt file_reader(const std::string& path) {
  return [path](std::uint64_t offset, std::span<std::uint8_t> out) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) Fail() << path << ": open failed";
    const ssize_t got = ::pread(fd, out.data(), out.size(), static_cast<off_t>(offset));
    ::close(fd);
    if (got != static_cast<ssize_t>(out.size())) Fail() << path << ": short read at " << offset;
  };
}

void flip_byte(const std::string& path, std::uint64_t offset) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::uint8_t byte = 0;
  ASSERT_EQ(::pread(fd, &byte, 1, static_cast<off_t>(offset)), 1);
  byte ^= 0x01;
  ASSERT_EQ(::pwrite(fd, &byte, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

struct SfdiskPartition {
  std::uint32_t number;
  std::uint64_t start_sectors;
  std::uint64_t size_sectors;
  std::string type;
};

// sfdisk's own view of the table (`sfdisk --json`); numbers from the node
// names ("<file>5", or "<file>p5" when the file name ends in a digit), types
// as sfdisk prints them.
std::vector<SfdiskPartition> sfdisk_view(const std::string& path, std::string& label) {
  const auto json = parse_json(run_checked({"sfdisk", "--json", path}), "sfdisk --json");
  label = json.get<std::string>("partitiontable.label");
  std::vector<SfdiskPartition> out;
  for (const auto& [key, p] : json.get_child("partitiontable.partitions")) {
    const std::string node = p.get<std::string>("node");
    const std::size_t digits = node.find_last_not_of("0123456789") + 1;  // "<file>5", "<file>p5"
    out.push_back({static_cast<std::uint32_t>(std::stoul(node.substr(digits))),
                   p.get<std::uint64_t>("start"), p.get<std::uint64_t>("size"),
                   p.get<std::string>("type")});
  }
  return out;
}

void write_with_sfdisk(const std::string& path, const std::string& script) {
  run_checked({"sfdisk", "--no-reread", "--no-tell-kernel", "--quiet", path}, script);
}

std::string skip_reason_for_sfdisk() {
  return find_program("sfdisk").empty() ? "sfdisk is not installed" : "";
}

constexpr std::uint64_t kSector = 512;

TEST(DiskPartitionsSfdisk, GptLayoutAsSfdiskSeesIt) {
  if (const std::string skip = skip_reason_for_sfdisk(); !skip.empty()) GTEST_SKIP() << skip;
  TempFile file(64 * kMiB);
  write_with_sfdisk(file.path(), std::string("label: gpt\n") + "start=2048, size=20480, type=" +
                                     kEfiGuid + "\n" + "start=22528, size=40960, type=" + kLvmGuid +
                                     "\n" + "start=63488, size=20480, type=" + kLinuxGuid + "\n");
  std::string label;
  const std::vector<SfdiskPartition> theirs = sfdisk_view(file.path(), label);
  ASSERT_EQ(label, "gpt");
  const PartitionTable ours = read_partition_table(file_reader(file.path()), 64 * kMiB);
  EXPECT_EQ(ours.kind, "gpt");
  ASSERT_EQ(ours.partitions.size(), theirs.size());
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    EXPECT_EQ(ours.partitions[i].number, theirs[i].number);
    EXPECT_EQ(ours.partitions[i].start_bytes, theirs[i].start_sectors * kSector);
    EXPECT_EQ(ours.partitions[i].size_bytes, theirs[i].size_sectors * kSector);
  }
  EXPECT_EQ(ours.partitions[0].type, "efi");
  EXPECT_EQ(ours.partitions[1].type, "lvm");
  EXPECT_EQ(ours.partitions[2].type, "linux");

  // sfdisk's primary header damaged: its backup gives the same partitions.
  flip_byte(file.path(), kSector + 56);  // a byte of the disk GUID in the primary header
  const PartitionTable from_backup = read_partition_table(file_reader(file.path()), 64 * kMiB);
  EXPECT_TRUE(has_note(from_backup, "header CRC32 mismatch"));
  ASSERT_EQ(from_backup.partitions.size(), theirs.size());
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    EXPECT_EQ(from_backup.partitions[i].start_bytes, theirs[i].start_sectors * kSector);
    EXPECT_EQ(from_backup.partitions[i].size_bytes, theirs[i].size_sectors * kSector);
  }
  // And the backup damaged too: an Error, not a guess.
  flip_byte(file.path(), 64 * kMiB - kSector + 56);
  EXPECT_NE(error_of([&] {
              read_partition_table(file_reader(file.path()), 64 * kMiB);
            }).find("damaged GPT"),
            std::string::npos);
}

TEST(DiskPartitionsSfdisk, MsdosLayoutAsSfdiskSeesIt) {
  if (const std::string skip = skip_reason_for_sfdisk(); !skip.empty()) GTEST_SKIP() << skip;
  TempFile file(64 * kMiB);
  write_with_sfdisk(file.path(),
                    "label: dos\n"
                    "start=2048, size=20480, type=ef\n"
                    "start=22528, size=40960, type=8e, bootable\n"
                    "start=63488, size=65536, type=5\n"
                    "start=65536, size=10240, type=83\n"
                    "start=77824, size=8192, type=7\n");
  std::string label;
  const std::vector<SfdiskPartition> theirs = sfdisk_view(file.path(), label);
  ASSERT_EQ(label, "dos");
  const PartitionTable ours = read_partition_table(file_reader(file.path()), 64 * kMiB);
  EXPECT_EQ(ours.kind, "msdos");
  // Every partition sfdisk lists, the logical ones (5, 6) included.
  ASSERT_EQ(ours.partitions.size(), theirs.size());
  ASSERT_EQ(theirs.size(), 5u);
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    EXPECT_EQ(ours.partitions[i].number, theirs[i].number);
    EXPECT_EQ(ours.partitions[i].start_bytes, theirs[i].start_sectors * kSector);
    EXPECT_EQ(ours.partitions[i].size_bytes, theirs[i].size_sectors * kSector);
  }
  EXPECT_EQ(ours.partitions[0].type, "efi");
  EXPECT_EQ(ours.partitions[1].type, "lvm");
  EXPECT_EQ(ours.partitions[2].type, "extended");
  EXPECT_EQ(ours.partitions[3].number, 5u);
  EXPECT_EQ(ours.partitions[3].type, "linux");
  EXPECT_EQ(ours.partitions[4].number, 6u);
  EXPECT_EQ(ours.partitions[4].type, "0x07");
  EXPECT_TRUE(ours.notes.empty());
}

TEST(DiskPartitionsSfdisk, TruncatedImageIsAnError) {
  if (const std::string skip = skip_reason_for_sfdisk(); !skip.empty()) GTEST_SKIP() << skip;
  TempFile file(64 * kMiB);
  write_with_sfdisk(file.path(), std::string("label: gpt\n") + "start=2048, size=20480\n" +
                                     "start=22528, size=100000, type=" + kLvmGuid + "\n");
  ASSERT_EQ(::truncate(file.path().c_str(), 40 * kMiB), 0);
  const std::string error =
      error_of([&] { read_partition_table(file_reader(file.path()), 40 * kMiB); });
  EXPECT_NE(error.find("partition 2 (start " + std::to_string(22528 * kSector) + " bytes, size " +
                       std::to_string(100000 * kSector) + " bytes)"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("(" + std::to_string(40 * kMiB) + " bytes)"), std::string::npos) << error;
}

}  // namespace
}  // namespace pv2luks
