#include <gtest/gtest.h>

#include "base/error.h"
#include "base/sha256.h"
#include "lvm/lv_checksums.h"
#include "lvm/pv_metadata.h"
#include "lvm_fixture.h"

namespace pv2luks {
namespace {

using namespace lvm_fixture;

constexpr std::uint64_t kMiB = 1 << 20;

// The sha256 of the image's bytes at the PEs `lvs` reported (data/lvm/README).
std::string sha_of_pes(const std::vector<std::uint8_t>& image,
                       const std::vector<std::pair<std::uint64_t, std::uint64_t>>& first_last) {
  std::string bytes;
  for (const auto& [first, last] : first_last) {
    const auto* from = image.data() + kPeStartBytes + first * kExtentBytes;
    bytes.append(reinterpret_cast<const char*>(from), (last - first + 1) * kExtentBytes);
  }
  return sha256_hex(bytes);
}

TEST(LvmPvOnDisk, ReadsTheFixturePv) {
  const std::vector<std::uint8_t> image = pv_image();
  const PvOnDisk pv = read_pv(memory_reader(image), kPvBytes);
  EXPECT_EQ(pv.this_pv, "pv0");
  EXPECT_EQ(pv.pv_uuid, "Pr8jFR-WJPh-B4WZ-26Tx-hoFP-5Ydn-53mBDm");
  EXPECT_EQ(pv.vg.name, "fixvg");
  EXPECT_EQ(pv.pe_start_bytes, kPeStartBytes);
  EXPECT_EQ(pv.extent_size_bytes(), kExtentBytes);
  EXPECT_EQ(pv.pe_count(), 63u);
  // pool_tmeta, a hidden LV, holds the highest PEs: 28-29.
  EXPECT_EQ(allocated_end_bytes(pv), kPeStartBytes + 30 * kExtentBytes);
}

TEST(LvmPvOnDisk, PlacesLinearLvsAndSaysWhyTheOthersAreNot) {
  const std::vector<std::uint8_t> image = pv_image();
  const auto lvs = lvs_on_pv(read_pv(memory_reader(image), kPvBytes));
  std::vector<std::string> seen;
  for (const LvOnPv& lv : lvs) seen.push_back(lv.lv + ": " + lv.skip_reason);
  EXPECT_EQ(seen, (std::vector<std::string>{"data: ", "pool: segment type 'thin-pool'",
                                            "pool_tdata: hidden (a part of another LV)",
                                            "pool_tmeta: hidden (a part of another LV)",
                                            "root: ", "spread: has extents on another PV (pv1)",
                                            "striped: striped over 2 stripes",
                                            "thin1: segment type 'thin'"}));
  EXPECT_EQ(lvs[0].ranges, (std::vector<PvByteRange>{{kPeStartBytes + 8 * kMiB, 4 * kMiB}}));
  EXPECT_EQ(lvs[4].ranges, (std::vector<PvByteRange>{{kPeStartBytes, 8 * kMiB},
                                                     {kPeStartBytes + 12 * kMiB, 4 * kMiB}}));
  EXPECT_EQ(lvs[4].size_bytes, 12 * kMiB);
  EXPECT_EQ(lvs[7].size_bytes, 16 * kMiB);
  EXPECT_TRUE(lvs[5].ranges.empty());
}

// The other PV of the VG, through the same metadata: spread's first
// segment (PEs 0-3) and striped's second stripe (PEs 4-5) are there.
TEST(LvmPvOnDisk, SeesTheOtherPvThroughTheSameMetadata) {
  PvLabel label;
  label.pv_uuid = "lw05o7-N1Jk-XQmo-djM5-pX5q-Zqpk-9MCct6";  // pv1's id in fixvg.vg
  label.data_areas = {{kPeStartBytes, 0}};
  const PvOnDisk pv = pv_on_disk(label, parse_vg_metadata(read_data("fixvg.vg")), kPvBytes);
  EXPECT_EQ(pv.this_pv, "pv1");
  EXPECT_EQ(allocated_end_bytes(pv), kPeStartBytes + 6 * kExtentBytes);
  for (const LvOnPv& lv : lvs_on_pv(pv)) {
    EXPECT_FALSE(lv.skip_reason.empty()) << lv.lv;
    if (lv.lv == "root") {
      EXPECT_EQ(lv.skip_reason, "has extents on another PV (pv0)");
    }
  }
}

TEST(LvmPvOnDisk, MetadataThatDoesNotFitIsAnError) {
  const std::vector<std::uint8_t> image = pv_image();
  const auto error = [&](std::uint64_t size_bytes) {
    try {
      read_pv(memory_reader(image), size_bytes);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error(32 * kMiB),
            "VG fixvg: the extents of pv0 end at byte 67108864, beyond the PV's 33554432 bytes");
  PvLabel label = read_pv_label(memory_reader(image), kPvBytes);
  label.pv_uuid = "not-a-member";
  EXPECT_THROW(pv_on_disk(label, parse_vg_metadata(read_data("fixvg.vg")), kPvBytes), Error);
  label = read_pv_label(memory_reader(image), kPvBytes);
  label.data_areas.front().offset_bytes = 2 * kMiB;
  EXPECT_THROW(pv_on_disk(label, parse_vg_metadata(read_data("fixvg.vg")), kPvBytes), Error);
}

// Caught by fuzz/lvm_metadata's invariants on a crafted input: an extent size of 2^55
// sectors made 0 bytes per extent, so the PV's extents, and every LV on it,
// seemed to end at pe_start; a pe_start near 2^55 sectors matched the label
// the same way.
TEST(LvmPvOnDisk, SizesThatWrapAreErrors) {
  const PvLabel label = read_pv_label(memory_reader(pv_image()), kPvBytes);
  VgMeta vg = parse_vg_metadata(read_data("fixvg.vg"));
  vg.extent_size_sectors = std::uint64_t{1} << 55;
  EXPECT_THROW(pv_on_disk(label, vg, kPvBytes), Error);
  vg = parse_vg_metadata(read_data("fixvg.vg"));
  vg.pvs.front().pe_start_sectors += std::uint64_t{1} << 55;
  EXPECT_THROW(pv_on_disk(label, vg, kPvBytes), Error);
  vg = parse_vg_metadata(read_data("fixvg.vg"));
  vg.pvs.front().pe_count = std::uint64_t{1} << 62;
  EXPECT_THROW(pv_on_disk(label, vg, kPvBytes), Error);
}

TEST(LvmChecksums, HashesEachLvInLogicalOrder) {
  const std::vector<std::uint8_t> image = pv_image();
  const PvOnDisk pv = read_pv(memory_reader(image), kPvBytes);
  const auto sums = checksum_lvs(memory_reader(image), pv);
  ASSERT_EQ(sums.size(), 8u);
  EXPECT_EQ(sums[0].lv, "data");
  EXPECT_EQ(sums[0].sha256, sha_of_pes(image, {{8, 11}}));
  EXPECT_EQ(sums[4].lv, "root");
  EXPECT_EQ(sums[4].sha256, sha_of_pes(image, {{0, 7}, {12, 15}}));
  EXPECT_NE(sums[4].sha256, sha_of_pes(image, {{12, 15}, {0, 7}}));
  EXPECT_EQ(lv_checksum_line(sums[4]), "lv fixvg/root " + sums[4].sha256 + " 12582912");
  EXPECT_EQ(sums[1].sha256, "");
  EXPECT_EQ(lv_checksum_line(sums[1]), "skip fixvg/pool segment type 'thin-pool'");
}

TEST(LvmChecksums, AFlippedByteChangesOnlyItsLv) {
  std::vector<std::uint8_t> image = pv_image();
  const PvOnDisk pv = read_pv(memory_reader(image), kPvBytes);
  const auto before = checksum_lvs(memory_reader(image), pv);
  image[kPeStartBytes + 13 * kExtentBytes + 12345] ^= 0x01;  // root's PE 13
  const auto after = checksum_lvs(memory_reader(image), pv);
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (before[i].lv == "root") {
      EXPECT_NE(before[i].sha256, after[i].sha256);
    } else {
      EXPECT_EQ(before[i].sha256, after[i].sha256) << before[i].lv;
    }
  }
}

}  // namespace
}  // namespace pv2luks
