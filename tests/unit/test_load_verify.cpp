// The verify rule of `pv2luks-harness load`, alone and over real temporary files.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "load/acks.h"
#include "load/file_target.h"
#include "load/log_dir.h"
#include "load/raw_target.h"
#include "load/stamp.h"
#include "load/verify.h"
#include "load/verify_rule.h"

namespace harness::load {
namespace {

// --- judge_location on in-memory content -----------------------------------

StampRead seen_block(std::uint64_t location, std::uint64_t sequence, std::uint64_t seed = 42,
                     std::uint64_t tag = 7) {
  std::string data(8192, '\0');
  write_stamp({StampKind::kRawBlock, seed, tag, location, sequence, data.size()}, data);
  return read_stamp(data);
}

LocationAcks acked(std::initializer_list<std::uint64_t> sequences, std::uint64_t seed = 42) {
  LocationAcks acks;
  for (const std::uint64_t sequence : sequences) {
    acks.add(sequence, seed, seen_block(5, sequence, seed).payload_sha256);
  }
  return acks;
}

const Placement kBlock5{StampKind::kRawBlock, 7, 5};
const std::set<std::uint64_t> kSeeds{42};

TEST(LoadVerifyRule, NewestAcknowledgedContentPasses) {
  EXPECT_TRUE(judge_location(acked({3, 9}), kBlock5, seen_block(5, 9), kSeeds).ok);
}

TEST(LoadVerifyRule, NewerThanAcknowledgedPasses) {  // a write in flight at the cut
  EXPECT_TRUE(judge_location(acked({3, 9}), kBlock5, seen_block(5, 12), kSeeds).ok);
}

TEST(LoadVerifyRule, OlderContentFailsAndCountsLostWrites) {
  const Verdict verdict = judge_location(acked({3, 9, 11}), kBlock5, seen_block(5, 3), kSeeds);
  EXPECT_FALSE(verdict.ok);
  EXPECT_EQ(verdict.lost_writes, 2u);
  EXPECT_NE(verdict.problem.find("old content: sequence 3 on disk, 11 acknowledged"),
            std::string::npos)
      << verdict.problem;
}

TEST(LoadVerifyRule, WrongIndexFails) {
  const Verdict verdict = judge_location(acked({9}), kBlock5, seen_block(6, 9), kSeeds);
  EXPECT_FALSE(verdict.ok);
  EXPECT_NE(verdict.problem.find("misplaced"), std::string::npos) << verdict.problem;
}

TEST(LoadVerifyRule, OtherDevicesBlockFails) {
  const Verdict verdict = judge_location(acked({9}), kBlock5, seen_block(5, 9, 42, 8), kSeeds);
  EXPECT_FALSE(verdict.ok);
  EXPECT_NE(verdict.problem.find("another device"), std::string::npos) << verdict.problem;
}

TEST(LoadVerifyRule, UnknownSeedFails) {
  const Verdict verdict = judge_location(acked({9}), kBlock5, seen_block(5, 20, 43), kSeeds);
  EXPECT_FALSE(verdict.ok);
  EXPECT_NE(verdict.problem.find("seed 43"), std::string::npos) << verdict.problem;
}

TEST(LoadVerifyRule, SameSequenceFromAnotherRunFails) {
  const Verdict verdict =
      judge_location(acked({9}), kBlock5, seen_block(5, 9, 43), std::set<std::uint64_t>{42, 43});
  EXPECT_FALSE(verdict.ok);
  EXPECT_EQ(verdict.lost_writes, 1u);
}

TEST(LoadVerifyRule, GarbageFailsWithEveryWriteLost) {
  const Verdict verdict =
      judge_location(acked({1, 2, 3}), kBlock5, read_stamp(std::string(8192, 'x')), kSeeds);
  EXPECT_FALSE(verdict.ok);
  EXPECT_EQ(verdict.lost_writes, 3u);
}

TEST(LoadVerifyRule, FileContentAtABlockFails) {
  const Placement file5{StampKind::kFile, 0, 5};
  EXPECT_FALSE(judge_location(acked({9}), file5, seen_block(5, 9), kSeeds).ok);
}

// --- verify_acks over temporary files -------------------------------------

class LoadVerifyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "load-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    std::filesystem::create_directories(root_ / "log");
    std::filesystem::create_directories(root_ / "data");
    raw_ = (root_ / "raw.img").string();
    std::ofstream(raw_).close();
    std::filesystem::resize_file(raw_, 16 * 65536);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Writes like the writer does and logs the acknowledgement.
  void write_file(FileTarget& target, std::uint64_t index, std::uint64_t generation) {
    const std::string sha256 = target.write(42, index, generation);
    log().append(FileWrite{target.dir().string(), index, generation, 42, sha256});
  }
  void write_block(RawTarget& target, std::uint64_t block, std::uint64_t sequence) {
    const std::string sha256 = target.write(42, block, sequence);
    log().append(RawWrite{target.path(), target.block_size_bytes(), block, sequence, 42, sha256});
  }
  LogAppender& log() {
    if (!log_) log_.emplace(next_segment_path(root_ / "log"));
    return *log_;
  }
  VerifyReport verify(const PathMaps& maps = {}) {
    return verify_acks(index_acks(read_log_dir(root_ / "log")), maps);
  }
  std::string data_dir() const { return (root_ / "data").string(); }

  std::filesystem::path root_;
  std::string raw_;
  std::optional<LogAppender> log_;
};

TEST_F(LoadVerifyFiles, IntactTargetsPass) {
  FileTarget files(data_dir(), 4096);
  RawTarget raw(raw_, 65536, 0);
  write_file(files, 0, 1);
  write_file(files, 1, 1);
  write_file(files, 0, 2);
  write_block(raw, 3, 1);
  write_block(raw, 3, 2);
  write_block(raw, 9, 3);
  const VerifyReport report = verify();
  EXPECT_TRUE(report.ok()) << report.problems.front();
  EXPECT_EQ(report.file_records, 3u);
  EXPECT_EQ(report.raw_records, 3u);
  EXPECT_EQ(report.file_places, 2u);
  EXPECT_EQ(report.raw_places, 2u);
}

TEST_F(LoadVerifyFiles, RestoredOlderFileFails) {
  FileTarget files(data_dir(), 4096);
  write_file(files, 0, 1);
  const std::filesystem::path path = load_file_path(data_dir(), 0);
  std::filesystem::copy_file(path, root_ / "old.dat");
  write_file(files, 0, 2);
  std::filesystem::copy_file(root_ / "old.dat", path,
                             std::filesystem::copy_options::overwrite_existing);
  const VerifyReport report = verify();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find(path.string() + ": old content: generation 1 on disk, 2"),
            std::string::npos)
      << report.problems[0];
  EXPECT_EQ(report.lost_writes, 1u);
}

TEST_F(LoadVerifyFiles, MissingFileFails) {
  FileTarget files(data_dir(), 4096);
  write_file(files, 2, 1);
  std::filesystem::remove(load_file_path(data_dir(), 2));
  const VerifyReport report = verify();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("missing"), std::string::npos);
}

TEST_F(LoadVerifyFiles, FileRenamedOverAnotherFails) {
  FileTarget files(data_dir(), 4096);
  write_file(files, 0, 1);
  write_file(files, 1, 1);
  std::filesystem::copy_file(load_file_path(data_dir(), 0), load_file_path(data_dir(), 1),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(verify().failed_places, 1u);
}

TEST_F(LoadVerifyFiles, ZeroedBlockFails) {
  RawTarget raw(raw_, 65536, 0);
  write_block(raw, 5, 1);
  {
    std::fstream out(raw_, std::ios::in | std::ios::out | std::ios::binary);
    out.seekp(5 * 65536);
    out.write(std::string(65536, '\0').data(), 65536);
  }
  const VerifyReport report = verify();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find(raw_ + ": block 5 at offset 327680 bytes"), std::string::npos)
      << report.problems[0];
}

TEST_F(LoadVerifyFiles, MappedCopyIsReadInstead) {
  RawTarget raw(raw_, 65536, 0);
  write_block(raw, 5, 1);
  const std::string copy = (root_ / "copy.img").string();
  std::filesystem::copy_file(raw_, copy);
  write_block(raw, 5, 2);
  EXPECT_TRUE(verify().ok());
  const VerifyReport report = verify({{}, {{raw_, copy}}});
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find(copy + " (logged as " + raw_ + ")"), std::string::npos)
      << report.problems[0];
}

TEST_F(LoadVerifyFiles, EmptyLogFails) {
  log();
  EXPECT_FALSE(verify().ok());
}

}  // namespace
}  // namespace harness::load
