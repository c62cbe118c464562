// The one chunk loop (converter/lib/convert/chunk_loop.h), driven with a
// fake mover over a real journal in a file: what is committed when, where a
// stop or a failure leaves the journal, and that a resume continues there.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "convert/chunk_loop.h"
#include "journal/area.h"
#include "journal/commit.h"

namespace pv2luks {
namespace {

constexpr std::uint64_t kDataOffsetSectors = 2048;  // 1 MiB: the chunk size too
constexpr std::uint64_t kMoveSectors = 8192;        // 4 MiB: 4 chunks or more
constexpr std::uint64_t kDeviceSectors = 16384;     // 8 MiB
constexpr std::uint64_t kHeaderUsedBytes = 8192;

// Records every step, and what the journal on disk said when it ran.
class FakeMover : public ChunkMover {
 public:
  explicit FakeMover(const JournalArea& journal) : journal_(journal) {}

  void start_copy(std::uint64_t k) override {
    log("start " + std::to_string(k));
    EXPECT_EQ(on_disk().chunks_done, k) << "chunk " << k << " begins before k are committed";
  }
  void finish_copy(std::uint64_t k) override {
    if (fail_copy_at && *fail_copy_at == k) throw std::runtime_error("copy failed");
    log("finish " + std::to_string(k));
  }
  void make_durable(std::uint64_t k) override {
    log("durable " + std::to_string(k));
    EXPECT_EQ(on_disk().chunks_done, k) << "chunk " << k << " committed before it is durable";
  }
  void stopped(std::uint64_t chunks_done) override { log("stopped " + std::to_string(chunks_done)); }
  void all_moved() override {
    log("all-moved");
    EXPECT_EQ(on_disk().phase, JournalPhase::kMoved);
  }
  void wipe_tail(std::uint64_t start_sectors, std::uint64_t end_sectors) override {
    log("wipe " + std::to_string(start_sectors) + ".." + std::to_string(end_sectors));
  }
  void write_header(const std::vector<std::uint8_t>& header) override {
    log("header");
    EXPECT_EQ(on_disk().phase, JournalPhase::kMoved) << "header before the record 'moved'";
    header_ = header;
  }
  void header_written() override { log("header-written"); }
  void finished() override { log("finished"); }

  std::optional<std::uint64_t> fail_copy_at;
  std::vector<std::string> events;
  std::vector<std::uint8_t> header_;

 private:
  void log(const std::string& event) { events.push_back(event); }
  JournalRecord on_disk() const {
    std::string why;
    const auto record = journal_.read(why);
    EXPECT_TRUE(record) << why;
    return record.value_or(JournalRecord{});
  }
  const JournalArea& journal_;
};

std::vector<std::string> chunk_steps(std::uint64_t from, std::uint64_t to) {
  std::vector<std::string> steps;
  for (std::uint64_t k = from; k < to; ++k) {
    for (const char* step : {"start ", "finish ", "durable "}) steps.push_back(step + std::to_string(k));
  }
  return steps;
}

class ChunkLoop : public testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("pv2luks-chunk-loop-" + std::to_string(::getpid()));
    std::ofstream(path_).close();
    std::filesystem::resize_file(path_, kDeviceSectors * 512);
    PlanInput input;
    input.move_sectors = kMoveSectors;
    input.device_sectors = kDeviceSectors;
    input.data_offset_sectors = kDataOffsetSectors;
    plan_ = make_plan(input);
    ASSERT_TRUE(plan_.ok()) << plan_.problems.front();
    ASSERT_GE(plan_.chunk_count(), 4u);
    journal_.emplace(path_, kDeviceSectors);
    header_.assign(kDataOffsetSectors * 512, 0);
    for (std::size_t i = 0; i < kHeaderUsedBytes; ++i) header_[i] = static_cast<std::uint8_t>(i * 7);
    journal_->write_header_copy(header_, kHeaderUsedBytes);
    FirstRecordInput first;
    first.plan = &plan_;
    first.header = &header_;
    first.header_used_bytes = kHeaderUsedBytes;
    first.key_size_bits = 512;
    first.cipher = "aes-xts-plain64";
    record_ = first_record(first);
    commit_record(*journal_, record_, JournalPhase::kStaged, 0);  // sequence 1
  }
  void TearDown() override { std::filesystem::remove(path_); }

  MoveOutcome run(FakeMover& mover, const std::function<bool()>& stop = {}) {
    return run_chunk_loop(mover, plan_, *journal_, record_,
                          [&](const Progress& p) { progress_.push_back(p); }, stop);
  }
  std::optional<JournalRecord> on_disk() const {
    std::string why;
    return journal_->read(why);
  }

  // stop() is asked before each chunk: the (k + 2)nd question comes after
  // chunk k's commit, and the run must end there with k + 1 chunk records.
  void expect_stop_after_chunk(std::uint64_t k) {
    FakeMover mover(*journal_);
    const std::uint64_t first_sequence = record_.sequence;
    std::uint64_t asked = 0;
    EXPECT_EQ(run(mover, [&] { return asked++ == k + 1; }), MoveOutcome::kStopped);
    EXPECT_EQ(record_.sequence, first_sequence + k + 1);
    const auto newest = on_disk();
    ASSERT_TRUE(newest);
    EXPECT_EQ(newest->sequence, first_sequence + k + 1);
    EXPECT_EQ(newest->chunks_done, k + 1);
    EXPECT_EQ(newest->phase, JournalPhase::kMoving);
    std::vector<std::string> expected = chunk_steps(0, k + 1);
    expected.push_back("stopped " + std::to_string(k + 1));
    EXPECT_EQ(mover.events, expected);
    EXPECT_EQ(progress_.size(), k + 1);
  }

  std::filesystem::path path_;
  Plan plan_;
  std::optional<JournalArea> journal_;
  std::vector<std::uint8_t> header_;
  JournalRecord record_;
  std::vector<Progress> progress_;
};

TEST_F(ChunkLoop, MovesEveryChunkInOrderThenFinishes) {
  FakeMover mover(*journal_);
  EXPECT_EQ(run(mover), MoveOutcome::kFinished);
  const std::uint64_t n = plan_.chunk_count();
  std::vector<std::string> expected = chunk_steps(0, n);
  const std::uint64_t tail_end = journal_start_sectors(kDeviceSectors) - kDataOffsetSectors;
  for (const std::string& step : {std::string("all-moved"),
                                  "wipe " + std::to_string(kMoveSectors) + ".." +
                                      std::to_string(tail_end),
                                  std::string("header"), std::string("header-written"),
                                  std::string("finished")}) {
    expected.push_back(step);
  }
  EXPECT_EQ(mover.events, expected);
  // staged, one per chunk, moved, complete
  EXPECT_EQ(record_.sequence, 1 + n + 2);
  EXPECT_EQ(record_.phase, JournalPhase::kComplete);
  EXPECT_FALSE(on_disk()) << "the journal is wiped at the end";
  // The header written is the staged copy: its used bytes, then the rest.
  ASSERT_EQ(mover.header_.size(), kDataOffsetSectors * 512);
  EXPECT_TRUE(std::equal(header_.begin(), header_.begin() + kHeaderUsedBytes, mover.header_.begin()));
  ASSERT_EQ(progress_.size(), n + 1);
  EXPECT_EQ(progress_[n - 1].chunks_done, n);
  EXPECT_EQ(progress_[n - 1].done_bytes, kMoveSectors * 512);
  EXPECT_EQ(progress_[n].phase, "header");
}

TEST_F(ChunkLoop, StopAfterChunk0CommitsExactlyOneChunkRecord) { expect_stop_after_chunk(0); }

TEST_F(ChunkLoop, StopAfterChunk2CommitsExactlyThreeChunkRecords) { expect_stop_after_chunk(2); }

TEST_F(ChunkLoop, CopyFailureLeavesTheJournalAtTheLastCommittedChunkAndResumeGoesOn) {
  FakeMover failing(*journal_);
  failing.fail_copy_at = 2;
  EXPECT_THROW(run(failing), std::runtime_error);
  std::vector<std::string> expected = chunk_steps(0, 2);
  expected.push_back("start 2");
  EXPECT_EQ(failing.events, expected);
  auto newest = on_disk();
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->chunks_done, 2u);
  EXPECT_EQ(newest->phase, JournalPhase::kMoving);

  // A resume: a fresh journal object and the record read back from disk.
  journal_.emplace(path_, kDeviceSectors);
  newest = on_disk();
  ASSERT_TRUE(newest);
  record_ = *newest;
  progress_.clear();
  FakeMover resumed(*journal_);
  EXPECT_EQ(run(resumed), MoveOutcome::kFinished);
  const std::uint64_t n = plan_.chunk_count();
  const std::vector<std::string> redone = chunk_steps(2, n);
  ASSERT_GE(resumed.events.size(), redone.size());
  EXPECT_EQ(std::vector<std::string>(resumed.events.begin(), resumed.events.begin() + redone.size()),
            redone);
  EXPECT_EQ(resumed.events.back(), "finished");
  EXPECT_FALSE(on_disk());
  ASSERT_FALSE(progress_.empty());
  EXPECT_EQ(progress_.front().chunks_done, 3u);
  EXPECT_EQ(progress_.front().done_bytes, moved_bytes(plan_, 3));
}

TEST_F(ChunkLoop, ResumeFromMovedWritesOnlyTheFinish) {
  commit_record(*journal_, record_, JournalPhase::kMoved, plan_.chunk_count());
  const std::uint64_t moved_sequence = record_.sequence;
  FakeMover mover(*journal_);
  EXPECT_EQ(run(mover), MoveOutcome::kFinished);
  ASSERT_FALSE(mover.events.empty());
  EXPECT_EQ(mover.events.front(), "all-moved");
  EXPECT_EQ(record_.sequence, moved_sequence + 1) << "only the record 'complete'";
}

}  // namespace
}  // namespace pv2luks
