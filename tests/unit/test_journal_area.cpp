#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "journal/area.h"
#include "journal/journal_state.h"

namespace pv2luks {
namespace {

TEST(JournalArea, SitsInTheLastMibOnA4KBoundary) {
  EXPECT_EQ(journal_start_sectors(327680), 327680u - 2048u);
  EXPECT_EQ(journal_start_sectors(327683), 327680u - 2048u);
  EXPECT_EQ(journal_start_sectors(2048), 0u);
}

class JournalFile : public testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("pv2luks-journal-" + std::to_string(::getpid()));
    std::ofstream(path_).close();
    std::filesystem::resize_file(path_, kSectors * 512);
  }
  void TearDown() override { std::filesystem::remove(path_); }
  static constexpr std::uint64_t kSectors = 8192;  // 4 MiB
  std::filesystem::path path_;
};

TEST_F(JournalFile, EachRecordGoesIntoBothSlots) {
  JournalArea area(path_, kSectors);
  std::string why;
  EXPECT_FALSE(area.read(why));
  EXPECT_EQ(why, "no journal record");
  JournalRecord record;
  record.cipher = "aes-xts-plain64";
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    record.sequence = seq;
    record.chunks_done = seq * 10;
    area.write(record);
    const auto back = area.read(why);
    ASSERT_TRUE(back) << why;
    EXPECT_EQ(back->chunks_done, seq * 10);
    for (const std::uint64_t slot_at : {0u, 8u}) {  // either slot alone holds it
      std::vector<std::uint8_t> block(512);
      std::ifstream file(path_, std::ios::binary);
      file.seekg(static_cast<std::streamoff>((journal_start_sectors(kSectors) + slot_at) * 512));
      file.read(reinterpret_cast<char*>(block.data()), 512);
      EXPECT_EQ(decode_slot(block).record->chunks_done, seq * 10) << "slot at +" << slot_at;
    }
  }
  area.wipe();
  EXPECT_FALSE(area.read(why));
}

TEST_F(JournalFile, HeaderCopyKeepsTheUsedPrefix) {
  JournalArea area(path_, kSectors);
  std::vector<std::uint8_t> header(64 * 1024, 0);
  for (std::size_t i = 0; i < header.size(); ++i) header[i] = static_cast<std::uint8_t>(i * 31 + 1);
  area.write_header_copy(header, 12288);
  EXPECT_EQ(area.read_header_copy(12288),
            std::vector<std::uint8_t>(header.begin(), header.begin() + 12288));
  EXPECT_THROW(area.write_header_copy(std::vector<std::uint8_t>(2 << 20, 1), 2 << 20), Error);
}

TEST_F(JournalFile, WritesOnlyTheLastMib) {
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    const std::string marker(512, 'M');
    f.seekp((kSectors - 2049) * 512);
    f.write(marker.data(), marker.size());
  }
  JournalArea area(path_, kSectors);
  area.wipe();
  std::ifstream f(path_, std::ios::binary);
  f.seekg((kSectors - 2049) * 512);
  std::string back(512, '\0');
  f.read(back.data(), back.size());
  EXPECT_EQ(back, std::string(512, 'M'));
}

// Opened read-only (status), it reads what a writable one wrote, on a
// descriptor that cannot write (O_RDONLY: an image on a read-only mount), and
// refuses to write.
TEST_F(JournalFile, ReadOnlyReadsAndRefusesToWrite) {
  JournalRecord record;
  record.sequence = 3;
  record.chunks_done = 4;
  record.cipher = "aes-xts-plain64";
  JournalArea(path_, kSectors).write(record);
  JournalArea read_only(path_, kSectors, 0, true, false);
  std::string why;
  const auto back = read_only.read(why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->chunks_done, 4u);
  try {
    read_only.write(record);
    ADD_FAILURE() << "a read-only journal wrote";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("opened read-only"), std::string::npos) << e.what();
  }
  const std::string fd_dir = "/proc/self/fdinfo";
  int read_only_descriptors = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fd_dir)) {
    std::ifstream info(entry.path());
    std::string line;
    while (std::getline(info, line)) {
      // flags in octal: O_ACCMODE is the low two bits; 0 is O_RDONLY.
      if (line.rfind("flags:", 0) == 0 && (std::stoul(line.substr(6), nullptr, 8) & 3) == 0) {
        const auto target = std::filesystem::read_symlink("/proc/self/fd/" + entry.path().filename().string());
        if (target == path_) ++read_only_descriptors;
      }
    }
  }
  EXPECT_EQ(read_only_descriptors, 1);
}

// A partition of a disk image: the journal sits in the last MiB of the byte
// range [base, base + device), found again only from the same range.
TEST_F(JournalFile, LivesInsideAPartitionOfAnImage) {
  constexpr std::uint64_t kBaseBytes = 1024 * 1024;
  constexpr std::uint64_t kPartitionSectors = kSectors - 4096;  // ends 1 MiB before the file
  JournalRecord record;
  record.sequence = 2;  // slot A, at the journal's first sector
  record.chunks_done = 7;
  record.cipher = "aes-xts-plain64";
  JournalArea(path_, kPartitionSectors, kBaseBytes, false).write(record);
  std::string why;
  const auto back = JournalArea(path_, kPartitionSectors, kBaseBytes, false).read(why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->chunks_done, 7u);
  // The same partition size from the file's start reads no record, and the
  // record's bytes are at base + journal start.
  EXPECT_FALSE(JournalArea(path_, kPartitionSectors).read(why));
  std::ifstream f(path_, std::ios::binary);
  f.seekg(static_cast<std::streamoff>(kBaseBytes + journal_start_sectors(kPartitionSectors) * 512));
  std::string magic(8, '\0');
  f.read(magic.data(), magic.size());
  EXPECT_EQ(magic, "PV2LUKSJ");
}

}  // namespace
}  // namespace pv2luks

namespace pv2luks {
namespace {

// A record of a consistent plan on the 4 MiB JournalFile: 2 MiB to move,
// header_used_bytes of its header staged.
JournalRecord consistent_record(std::uint64_t data_offset_sectors) {
  JournalRecord record;
  record.phase = JournalPhase::kMoving;
  record.sequence = 1;
  record.device_sectors = 8192;
  record.move_sectors = 4096;
  record.data_offset_sectors = data_offset_sectors;
  record.chunk_sectors = data_offset_sectors;
  record.region_sectors = 1024;
  record.sector_bytes = 512;
  record.header_used_bytes = 16384;
  record.cipher = "aes-xts-plain64";
  return record;
}

// Found while writing fuzz/journal_area (its regression input shows it): a
// staged header larger than the data offset passed read_journal, and
// staged_header then wrote random bytes far past the header it had cut to
// the data offset.
TEST_F(JournalFile, HeaderCopyLargerThanTheDataOffsetIsRefused) {
  JournalArea(path_, kSectors).write(consistent_record(2048));
  EXPECT_NO_THROW(read_journal(path_, kSectors, 0, false, false, false));
  JournalArea(path_, kSectors).write(consistent_record(8));
  try {
    read_journal(path_, kSectors, 0, false, false, false);
    ADD_FAILURE() << "read_journal accepted a header copy larger than the data offset";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("geometry is inconsistent"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pv2luks
