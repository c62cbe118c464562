// live/mapping_names: a PV's device-mapper names come from its device's own
// kernel name, whatever kind of partition it is (issue 17: a PV in msdos
// logical partition 5). Negative control: two partitions of one disk get
// names that differ.
#include <gtest/gtest.h>

#include "live/mapping_names.h"

namespace pv2luks {
namespace {

TEST(LiveMappingNames, LogicalAndOtherPartitionNames) {
  EXPECT_EQ(mapping_names("/dev/vda5").intermediate, "vda5_crypt");
  EXPECT_EQ(mapping_names("/dev/vda5").crypt_full, "pv2luks-vda5-full");
  EXPECT_EQ(mapping_names("/dev/sda12").intermediate, "sda12_crypt");
  EXPECT_EQ(mapping_names("/dev/nvme0n1p5").intermediate, "nvme0n1p5_crypt");
  EXPECT_EQ(mapping_names("/dev/mmcblk0p5").base_name, "mmcblk0p5");
  EXPECT_EQ(mapping_names("/dev/vdb").intermediate, "vdb_crypt");
  EXPECT_EQ(mapping_names("/dev/loop3").crypt_full, "pv2luks-loop3-full");
}

TEST(LiveMappingNames, PartitionsOfOneDiskDiffer) {
  EXPECT_NE(mapping_names("/dev/vda5").intermediate, mapping_names("/dev/vda6").intermediate);
  EXPECT_NE(mapping_names("/dev/vda1").intermediate, mapping_names("/dev/vda").intermediate);
}

}  // namespace
}  // namespace pv2luks
