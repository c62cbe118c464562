#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>

#include "base/sha256.h"
#include "journal/record.h"

namespace pv2luks {
namespace {

JournalRecord sample() {
  JournalRecord r;
  r.sequence = 7;
  r.phase = JournalPhase::kMoving;
  r.chunks_done = 3;
  r.device_sectors = 327680;
  r.move_sectors = 280576;
  r.data_offset_sectors = 32768;
  r.chunk_sectors = 32768;
  r.region_sectors = 1024;
  r.sector_bytes = 512;
  r.key_size_bits = 512;
  r.header_used_bytes = 294912;
  for (int i = 0; i < 32; ++i) r.header_sha256[i] = static_cast<std::uint8_t>(i * 7);
  r.cipher = "aes-xts-plain64";
  r.luks_uuid = "43a0022a-5d14-47cd-b64d-080e135b08cd";
  r.pv_uuid = "SXexHb-f5a3-jmUo-XxDI-YjXm-2fqQ-8Z2ujF";
  return r;
}

TEST(JournalRecord, RoundTrips) {
  const auto bytes = encode_record(sample());
  ASSERT_EQ(bytes.size(), kJournalRecordBytes);
  std::string why;
  const auto back = decode_record(bytes.data(), bytes.size(), why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(*back, sample());
}

TEST(JournalRecord, LayoutIsLittleEndianAtFixedOffsets) {
  const auto bytes = encode_record(sample());
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "PV2LUKSJ");
  EXPECT_EQ(bytes[8], 2);    // version
  EXPECT_EQ(bytes[12], 2);   // phase: moving
  EXPECT_EQ(bytes[16], 7);   // sequence
  EXPECT_EQ(bytes[24], 3);   // chunks done
  EXPECT_EQ(bytes[48], 0x00);
  EXPECT_EQ(bytes[49], 0x80);  // 32768 = 0x8000
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&bytes[120])), "aes-xts-plain64");
}

// --sparse is bit 0 of the flags at byte 264, which records written before
// it had as zero: they read as not sparse.
TEST(JournalRecord, SparseIsBitZeroOfTheFlags) {
  JournalRecord sparse = sample();
  sparse.sparse = true;
  const auto bytes = encode_record(sparse);
  EXPECT_EQ(bytes[264], 1);
  std::string why;
  const auto back = decode_record(bytes.data(), bytes.size(), why);
  ASSERT_TRUE(back) << why;
  EXPECT_TRUE(back->sparse);
  const auto dense = encode_record(sample());
  EXPECT_EQ(dense[264], 0);
  EXPECT_FALSE(decode_record(dense.data(), dense.size(), why)->sparse);
}

TEST(JournalRecord, AnyFlippedBitIsCaught) {
  const auto good = encode_record(sample());
  for (std::size_t at = 0; at < kJournalRecordBytes; at += 13) {
    auto bad = good;
    bad[at] ^= 0x10;
    std::string why;
    EXPECT_FALSE(decode_record(bad.data(), bad.size(), why)) << "byte " << at;
    EXPECT_FALSE(why.empty());
  }
}

TEST(JournalRecord, ZerosAreNoRecord) {
  const std::vector<std::uint8_t> zeros(kJournalRecordBytes, 0);
  std::string why;
  EXPECT_FALSE(decode_record(zeros.data(), zeros.size(), why));
  EXPECT_EQ(why, "no journal record");
}

TEST(JournalRecord, TooLongTextIsRefused) {
  JournalRecord r = sample();
  r.luks_uuid = std::string(40, 'u');
  EXPECT_THROW(encode_record(r), std::invalid_argument);
}

// `bytes` with their checksum made good again.
std::vector<std::uint8_t> resealed(std::vector<std::uint8_t> bytes) {
  const auto sum = sha256_digest(std::string_view(reinterpret_cast<const char*>(bytes.data()),
                                                  kJournalRecordBytes - 32));
  std::copy(sum.begin(), sum.end(), bytes.end() - 32);
  return bytes;
}

// Found by fuzz/journal_record: a text field filled to its end (no NUL)
// under a good checksum decoded, and encode_record then threw writing it back.
TEST(JournalRecord, UnterminatedTextIsDamage) {
  auto bytes = encode_record(sample());
  std::fill(bytes.begin() + 120, bytes.begin() + 184, 'c');  // the cipher field, no NUL
  bytes = resealed(bytes);
  std::string why;
  EXPECT_FALSE(decode_record(bytes.data(), bytes.size(), why));
  EXPECT_NE(why.find("cipher field is not NUL-terminated"), std::string::npos) << why;
  EXPECT_TRUE(decode_slot(bytes).damaged);
}

JournalSlot slot(const std::vector<std::uint8_t>& bytes) { return decode_slot(bytes); }

// A record as pv2luks wrote it before the double write: version 1.
std::vector<std::uint8_t> version1(const JournalRecord& r) {
  auto bytes = encode_record(r);
  bytes[8] = 1;
  return resealed(bytes);
}

TEST(JournalRecord, TheNewerOfTwoGoodSlotsWins) {
  JournalRecord newer = sample();
  newer.sequence = 8;
  newer.chunks_done = 4;
  const auto a = slot(encode_record(sample()));
  const auto b = slot(encode_record(newer));
  EXPECT_EQ(newest_record(a, b).newest->chunks_done, 4u);
  EXPECT_EQ(newest_record(b, a).newest->chunks_done, 4u);
  EXPECT_EQ(newest_record(a, a).newest->chunks_done, 3u);
}

TEST(JournalRecord, OneDamagedSlotOfADoubleWrittenJournalLosesNothing) {
  const auto bytes = encode_record(sample());
  auto damaged = bytes;
  damaged[300] ^= 1;  // torn by a cut, or flipped later: either way
  const JournalSlots read = newest_record(slot(damaged), slot(bytes));
  ASSERT_TRUE(read.newest) << read.why;
  EXPECT_EQ(read.newest->chunks_done, 3u);
  EXPECT_EQ(newest_record(slot(bytes), slot(damaged)).newest->chunks_done, 3u);
}

TEST(JournalRecord, BothSlotsDamagedIsRefusedButLeavesTraces) {
  auto a = encode_record(sample());
  auto b = a;
  a[20] ^= 1;
  b[100] ^= 1;
  const JournalSlots read = newest_record(slot(a), slot(b));
  EXPECT_FALSE(read.newest);
  EXPECT_TRUE(read.traces);
  EXPECT_NE(read.why.find("checksum mismatch"), std::string::npos) << read.why;
}

TEST(JournalRecord, ZerosLeaveNoTraces) {
  const std::vector<std::uint8_t> zeros(kJournalRecordBytes, 0);
  const JournalSlots read = newest_record(slot(zeros), slot(zeros));
  EXPECT_FALSE(read.newest);
  EXPECT_FALSE(read.traces);
  const auto good = slot(encode_record(sample()));
  EXPECT_EQ(newest_record(slot(zeros), good).newest->sequence, 7u);
}

TEST(JournalRecord, Version1WithADamagedSlotIsRefused) {
  // Version 1 wrote one slot per record: the damaged slot may have held the
  // newer record, whose chunk may have begun over the older one's source.
  const auto older = version1(sample());
  auto newer_damaged = older;
  newer_damaged[16] = 8;  // the next sequence, then damaged: no checksum
  const JournalSlots read = newest_record(slot(older), slot(newer_damaged));
  EXPECT_FALSE(read.newest);
  EXPECT_TRUE(read.traces);
  EXPECT_NE(read.why.find("version 1"), std::string::npos) << read.why;
  // Both good, version 1: the newer, as before.
  JournalRecord newer = sample();
  newer.sequence = 8;
  const JournalSlots both = newest_record(slot(older), slot(version1(newer)));
  ASSERT_TRUE(both.newest) << both.why;
  EXPECT_EQ(both.newest->sequence, 8u);
  EXPECT_EQ(both.newest->version, 1u);
}

}  // namespace
}  // namespace pv2luks
