// Remapping a holder's table from the PV to the intermediate device: dev_text
// and retarget, as remap_holders uses them.
#include <gtest/gtest.h>

#include <sys/sysmacros.h>

#include <string>
#include <vector>

#include "dm/remap.h"

namespace pv2luks {
namespace {

using dm::KernelTarget;

TEST(DevText, MajorColonMinor) {
  EXPECT_EQ(dev_text(makedev(8, 16)), "8:16");
  EXPECT_EQ(dev_text(makedev(253, 0)), "253:0");
  EXPECT_EQ(dev_text(makedev(259, 1048575)), "259:1048575");
}

TEST(Retarget, ReplacesThePvInALinearTarget) {
  const auto table = retarget({{0, 2048, "linear", "8:16 10240"}}, "8:16", "253:7");
  ASSERT_EQ(table.size(), 1u);
  EXPECT_EQ(table[0].start_sectors, 0u);
  EXPECT_EQ(table[0].length_sectors, 2048u);
  EXPECT_EQ(table[0].type, "linear");
  EXPECT_EQ(table[0].params, "253:7 10240");
}

TEST(Retarget, OnlyWholeWordsMatch) {
  // 8:160 and 18:16 contain "8:16"; an offset may equal its digits.
  const std::vector<KernelTarget> table = {{0, 8, "linear", "8:160 2048"},
                                           {8, 8, "linear", "18:16 2048"},
                                           {16, 8, "linear", "8:1 816"}};
  const auto result = retarget(table, "8:16", "253:7");
  ASSERT_EQ(result.size(), 3u);
  for (std::size_t i = 0; i < table.size(); ++i) EXPECT_EQ(result[i].params, table[i].params);
}

TEST(Retarget, SegmentsOnOtherPvsKeepTheirTargets) {
  // An LV spanning two PVs: only the segment on the converted PV moves.
  const std::vector<KernelTarget> table = {{0, 4096, "linear", "8:16 2048"},
                                           {4096, 4096, "linear", "8:32 2048"},
                                           {8192, 1024, "linear", "8:16 8192"}};
  const auto result = retarget(table, "8:16", "253:7");
  ASSERT_EQ(result.size(), 3u);
  EXPECT_EQ(result[0].params, "253:7 2048");
  EXPECT_EQ(result[1].params, "8:32 2048");
  EXPECT_EQ(result[2].params, "253:7 8192");
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(result[i].start_sectors, table[i].start_sectors);
    EXPECT_EQ(result[i].length_sectors, table[i].length_sectors);
    EXPECT_EQ(result[i].type, table[i].type);
  }
}

TEST(Retarget, EveryOccurrenceInATargetIsReplaced) {
  // A striped LV with both stripes on the PV.
  const auto result = retarget({{0, 256, "striped", "2 128 8:16 2048 8:16 4096"}}, "8:16", "253:7");
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0].params, "2 128 253:7 2048 253:7 4096");
}

TEST(Retarget, WordsComeBackSingleSpaced) {
  // The kernel's table lines are single-spaced; retarget writes them so.
  const auto result = retarget({{0, 8, "linear", "  8:16   2048 "}}, "8:16", "253:7");
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0].params, "253:7 2048");
}

TEST(Retarget, EmptyTablesAndParamsStayEmpty) {
  EXPECT_TRUE(retarget({}, "8:16", "253:7").empty());
  const auto result = retarget({{0, 8, "error", ""}}, "8:16", "253:7");
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0].type, "error");
  EXPECT_EQ(result[0].params, "");
}

}  // namespace
}  // namespace pv2luks
