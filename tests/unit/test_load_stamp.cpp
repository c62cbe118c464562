// Self-describing content of `pv2luks-harness load`.
#include <gtest/gtest.h>

#include <string>

#include "load/stamp.h"

namespace harness::load {
namespace {

std::string stamped(const Stamp& stamp) {
  std::string data(stamp.size_bytes, '\0');
  write_stamp(stamp, data);
  return data;
}

const Stamp kBlock{StampKind::kRawBlock, 42, 0xabc, 17, 1001, 8192};

TEST(LoadStamp, ValidContentReadsBack) {
  std::string data(kBlock.size_bytes, '\0');
  const std::string sha256 = write_stamp(kBlock, data);
  const StampRead read = read_stamp(data);
  ASSERT_TRUE(read.stamp) << read.problem;
  EXPECT_EQ(read.stamp->kind, StampKind::kRawBlock);
  EXPECT_EQ(read.stamp->seed, 42u);
  EXPECT_EQ(read.stamp->tag, 0xabcu);
  EXPECT_EQ(read.stamp->location, 17u);
  EXPECT_EQ(read.stamp->sequence, 1001u);
  EXPECT_EQ(read.payload_sha256, sha256);
}

TEST(LoadStamp, ContentDependsOnEveryField) {
  Stamp other = kBlock;
  other.sequence += 1;
  EXPECT_NE(stamped(kBlock).substr(kStampHeaderBytes), stamped(other).substr(kStampHeaderBytes));
  other = kBlock;
  other.location += 1;
  EXPECT_NE(stamped(kBlock).substr(kStampHeaderBytes), stamped(other).substr(kStampHeaderBytes));
}

TEST(LoadStamp, OddFileSizesWork) {
  const Stamp file{StampKind::kFile, 1, 0, 3, 9, kStampHeaderBytes + 13};
  EXPECT_TRUE(read_stamp(stamped(file)).stamp);
}

TEST(LoadStamp, ZerosAreNotContent) {
  const StampRead read = read_stamp(std::string(8192, '\0'));
  EXPECT_FALSE(read.stamp);
  EXPECT_NE(read.problem.find("no load header"), std::string::npos);
}

TEST(LoadStamp, DamagedPayloadIsDetected) {
  std::string data = stamped(kBlock);
  data[5000] ^= 1;
  const StampRead read = read_stamp(data);
  EXPECT_FALSE(read.stamp);
  EXPECT_NE(read.problem.find("torn or damaged"), std::string::npos);
}

TEST(LoadStamp, DamagedHeaderIsDetected) {
  std::string data = stamped(kBlock);
  data[40] ^= 1;  // the sequence number
  const StampRead read = read_stamp(data);
  EXPECT_FALSE(read.stamp);
  EXPECT_NE(read.problem.find("header damaged"), std::string::npos);
}

TEST(LoadStamp, TornWriteOfNewOverOldIsDetected) {
  Stamp newer = kBlock;
  newer.sequence += 5;
  std::string data = stamped(kBlock);
  const std::string next = stamped(newer);
  data.replace(0, 4096, next.substr(0, 4096));  // new first sector, old rest
  EXPECT_FALSE(read_stamp(data).stamp);
}

TEST(LoadStamp, WrongSizeIsDetected) {
  const std::string data = stamped(kBlock);
  EXPECT_FALSE(read_stamp(std::string_view(data).substr(0, 4096)).stamp);
  EXPECT_FALSE(read_stamp(std::string_view(data).substr(0, 10)).stamp);
}

}  // namespace
}  // namespace harness::load
