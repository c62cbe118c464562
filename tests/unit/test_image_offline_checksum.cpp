// harness/image/offline_checksum: the LVM label test and the choice of the
// PV's area (the checksums themselves are host tests:
// tests/host/test_checksum_offline.py).
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "image/offline_checksum.h"

namespace harness {
namespace {

// Four sectors with an LVM2 label in sector `sector` (-1: none) that names
// sector `named` as its own (by default `sector`).
std::string sectors_with_label(int sector, const std::string& type = "LVM2 001",
                               int named = -1) {
  std::string bytes(kLvmLabelScanBytes, '\0');
  if (sector >= 0) {
    const std::size_t at = static_cast<std::size_t>(sector) * 512;
    bytes.replace(at, 8, "LABELONE");
    bytes[at + 8] = static_cast<char>(named < 0 ? sector : named);
    bytes.replace(at + 24, type.size(), type);
  }
  return bytes;
}

TEST(OfflineChecksum, FindsTheLabelInAnyOfTheFirstFourSectors) {
  for (int sector = 0; sector < 4; ++sector) {
    EXPECT_TRUE(has_lvm2_label(sectors_with_label(sector))) << sector;
  }
  EXPECT_FALSE(has_lvm2_label(sectors_with_label(-1)));
  EXPECT_FALSE(has_lvm2_label(sectors_with_label(1, "LVM1 001")));
  EXPECT_FALSE(has_lvm2_label(sectors_with_label(1, "LVM2 001", 0)));  // names another sector
  EXPECT_FALSE(has_lvm2_label(sectors_with_label(1).substr(0, 600)));  // sector 1 cut short
  std::string shifted = sectors_with_label(-1);
  shifted.replace(100, 8, "LABELONE");  // not at a sector start
  shifted.replace(124, 8, "LVM2 001");
  EXPECT_FALSE(has_lvm2_label(shifted));
}

int usage_error_of(const std::vector<DiskArea>& areas, std::optional<int> partition,
                   std::string* message) {
  try {
    choose_pv_area(areas, partition, "disk.img");
  } catch (const Error& e) {
    *message = e.what();
    return e.exit_code();
  }
  return 0;
}

TEST(OfflineChecksum, ChoosesTheOneLabelledArea) {
  const std::vector<DiskArea> gpt = {{0, 0, 128, false}, {1, 1, 8, false}, {2, 9, 118, true}};
  EXPECT_EQ(choose_pv_area(gpt, std::nullopt, "disk.img").number, 2);
  const std::vector<DiskArea> whole = {{0, 0, 64, true}};
  EXPECT_EQ(choose_pv_area(whole, std::nullopt, "disk.img").number, 0);
  EXPECT_EQ(choose_pv_area(gpt, 2, "disk.img").start_bytes, 9u);
}

TEST(OfflineChecksum, RefusesNoneSeveralAndTheWrongPartition) {
  std::string message;
  const std::vector<DiskArea> none = {{0, 0, 128, false}, {1, 1, 8, false}};
  EXPECT_EQ(usage_error_of(none, std::nullopt, &message), kExitUsage);
  EXPECT_NE(message.find("no LVM physical volume label"), std::string::npos);
  const std::vector<DiskArea> two = {{0, 0, 128, false}, {1, 1, 8, true}, {2, 9, 118, true}};
  EXPECT_EQ(usage_error_of(two, std::nullopt, &message), kExitUsage);
  EXPECT_NE(message.find("partitions 1 2"), std::string::npos) << message;
  EXPECT_EQ(choose_pv_area(two, 1, "disk.img").number, 1);  // --partition settles it
  EXPECT_EQ(usage_error_of(two, 3, &message), kExitUsage);
  EXPECT_EQ(message, "disk.img has no partition 3 (0 names the whole disk)");
  EXPECT_EQ(usage_error_of(two, 0, &message), kExitUsage);
  EXPECT_EQ(message, "disk.img: the whole disk carries no LVM physical volume label");
}

}  // namespace
}  // namespace harness
