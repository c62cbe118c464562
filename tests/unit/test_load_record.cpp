// Log record encoding and log parsing of `pv2luks-harness load`.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "common/error.h"
#include "load/log_record.h"

namespace harness::load {
namespace {

std::string three_records() {
  return encode_record(RunStart{7, 100}) +
         encode_record(FileWrite{"/mnt/a", 3, 17, 7, std::string(64, 'a')}) +
         encode_record(RawWrite{"/dev/vg/lv", 65536, 12, 40, 7, std::string(64, 'b')});
}

TEST(LoadRecord, FileWriteRoundTripsWithAwkwardPath) {
  const FileWrite written{"/mnt/with space=and%#", 3, 17, 42, std::string(64, 'c')};
  const std::string line = encode_record(written);
  ASSERT_EQ(line.back(), '\n');
  const auto decoded = decode_record(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(decoded);
  const auto& read = std::get<FileWrite>(*decoded);
  EXPECT_EQ(read.dir, written.dir);
  EXPECT_EQ(read.index, 3u);
  EXPECT_EQ(read.generation, 17u);
  EXPECT_EQ(read.seed, 42u);
  EXPECT_EQ(read.sha256, written.sha256);
}

TEST(LoadRecord, RawWriteRoundTrips) {
  const RawWrite written{"/dev/vg/lv", 4096, 99, 1234567890123ULL, 1, "ff"};
  const std::string line = encode_record(written);
  const auto decoded = decode_record(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(decoded);
  const auto& read = std::get<RawWrite>(*decoded);
  EXPECT_EQ(read.device, "/dev/vg/lv");
  EXPECT_EQ(read.block_size_bytes, 4096u);
  EXPECT_EQ(read.block, 99u);
  EXPECT_EQ(read.sequence, 1234567890123ULL);
}

TEST(LoadRecord, AnyChangedByteIsDetected) {
  std::string line = encode_record(FileWrite{"/mnt/a", 3, 17, 7, std::string(64, 'a')});
  line.pop_back();
  for (std::size_t i = 0; i < line.size(); ++i) {
    std::string damaged = line;
    damaged[i] = damaged[i] == '7' ? '8' : '7';
    EXPECT_FALSE(decode_record(damaged)) << "byte " << i;
  }
}

TEST(LoadLog, ParsesCompleteLog) {
  const ParsedLog parsed = parse_log(three_records(), "log");
  EXPECT_EQ(parsed.records.size(), 3u);
  EXPECT_EQ(parsed.torn_tail_bytes, 0u);
}

TEST(LoadLog, TornLastRecordIsIgnoredAndCounted) {
  const std::string whole = three_records();
  const std::string next = encode_record(RawWrite{"/dev/x", 4096, 1, 41, 7, "aa"});
  const std::string text = whole + next.substr(0, 20);
  const ParsedLog parsed = parse_log(text, "log");
  EXPECT_EQ(parsed.records.size(), 3u);
  EXPECT_EQ(parsed.torn_tail_bytes, 20u);
}

TEST(LoadLog, ZerosAfterTheLastRecordAreATornTail) {
  const ParsedLog parsed = parse_log(three_records() + std::string(4096, '\0'), "log");
  EXPECT_EQ(parsed.records.size(), 3u);
  EXPECT_EQ(parsed.torn_tail_bytes, 4096u);
}

TEST(LoadLog, DamagedCompleteLastRecordIsTorn) {
  std::string text = three_records();
  text[text.size() - 5] = text[text.size() - 5] == '0' ? '1' : '0';
  const ParsedLog parsed = parse_log(text, "log");
  EXPECT_EQ(parsed.records.size(), 2u);
  EXPECT_GT(parsed.torn_tail_bytes, 0u);
}

TEST(LoadLog, LastRecordMissingOnlyItsNewlineCounts) {
  std::string text = three_records();
  text.pop_back();
  const ParsedLog parsed = parse_log(text, "log");
  EXPECT_EQ(parsed.records.size(), 3u);
  EXPECT_EQ(parsed.torn_tail_bytes, 0u);
}

TEST(LoadLog, DamagedMiddleRecordIsAnError) {
  std::string text = three_records();
  const std::size_t second = text.find('\n') + 1;
  text[second + 10] = '#';
  try {
    parse_log(text, "/log/load.0001.log");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/log/load.0001.log: record 2"), std::string::npos)
        << e.what();
  }
}

TEST(LoadLog, TruncatedMiddleRecordIsAnError) {
  const std::string first = encode_record(RunStart{7, 100});
  const std::string text = first.substr(0, 10) + "\n" + three_records();
  EXPECT_THROW(parse_log(text, "log"), Error);
}

}  // namespace
}  // namespace harness::load
