#include <gtest/gtest.h>

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
  EXPECT_EQ(bytes[8], 1);    // version
  EXPECT_EQ(bytes[12], 2);   // phase: moving
  EXPECT_EQ(bytes[16], 7);   // sequence
  EXPECT_EQ(bytes[24], 3);   // chunks done
  EXPECT_EQ(bytes[48], 0x00);
  EXPECT_EQ(bytes[49], 0x80);  // 32768 = 0x8000
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&bytes[120])), "aes-xts-plain64");
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

TEST(JournalRecord, NewestOfTwoSlotsSurvivesATornWrite) {
  JournalRecord older = sample();
  JournalRecord newer = sample();
  newer.sequence = 8;
  newer.chunks_done = 4;
  const auto a = encode_record(older);
  auto b = encode_record(newer);
  std::string why;
  EXPECT_EQ(newest_record(a, b, why)->chunks_done, 4u);
  EXPECT_EQ(newest_record(b, a, why)->chunks_done, 4u);
  b[300] ^= 1;  // the newer write was torn by the cut
  EXPECT_EQ(newest_record(a, b, why)->chunks_done, 3u);
  auto a_bad = a;
  a_bad[20] ^= 1;
  EXPECT_FALSE(newest_record(a_bad, b, why));
  EXPECT_NE(why.find("checksum mismatch"), std::string::npos) << why;
}

}  // namespace
}  // namespace pv2luks
