// A dm mirror's status line, as wait_for_mirror_sync reads it.
#include <gtest/gtest.h>

#include <string>

#include "live/mirror_sync.h"

namespace pv2luks {
namespace {

TEST(MirrorStatus, CountsRegionsAndLegHealth) {
  const auto state = parse_mirror_status("2 253:0 253:1 3/8 1 AA 1 core");
  ASSERT_TRUE(state);
  EXPECT_EQ(state->in_sync_regions, 3u);
  EXPECT_EQ(state->total_regions, 8u);
  EXPECT_FALSE(state->leg_failed);
  EXPECT_TRUE(parse_mirror_status("2 253:0 253:1 8/8 1 AD 1 core")->leg_failed);
}

TEST(MirrorStatus, MalformedIsNone) {
  EXPECT_FALSE(parse_mirror_status(""));
  EXPECT_FALSE(parse_mirror_status("x 253:0 253:1 8/8 1 AA 1 core"));
  EXPECT_FALSE(parse_mirror_status("2 253:0 253:1 8-8 1 AA 1 core"));
  EXPECT_FALSE(parse_mirror_status("3 253:0 253:1 8/8 1 AA"));
}

TEST(MirrorStatus, ThreeLegsWithADiskLog) {
  // A disk log adds its own fields after the health string; they are not read.
  const auto state = parse_mirror_status("3 8:16 8:32 8:48 1024/1024 1 AAA 3 disk 253:2 A");
  ASSERT_TRUE(state);
  EXPECT_EQ(state->in_sync_regions, 1024u);
  EXPECT_EQ(state->total_regions, 1024u);
  EXPECT_FALSE(state->leg_failed);
  // Any health character but 'A' is a failed leg: D(ead), R(ead error),
  // S(ync error), U(nclassified), F(lush error) as dm-raid1 prints them.
  for (const char* health : {"DAA", "ARA", "AAS", "UAA", "AFA"}) {
    const auto failed = parse_mirror_status(std::string("3 8:16 8:32 8:48 5/1024 1 ") + health +
                                            " 3 disk 253:2 A");
    ASSERT_TRUE(failed) << health;
    EXPECT_TRUE(failed->leg_failed) << health;
  }
}

TEST(MirrorStatus, ExtraSpacesAreWordBreaks) {
  const auto state = parse_mirror_status("  2  253:0\t253:1 0/8 1 AA 1 core\n");
  ASSERT_TRUE(state);
  EXPECT_EQ(state->in_sync_regions, 0u);
  EXPECT_EQ(state->total_regions, 8u);
}

TEST(MirrorStatus, TruncatedLinesAreNone) {
  // Cut off at each word of "2 253:0 253:1 8/8 1 AA": every prefix is too short.
  EXPECT_FALSE(parse_mirror_status("2"));
  EXPECT_FALSE(parse_mirror_status("2 253:0"));
  EXPECT_FALSE(parse_mirror_status("2 253:0 253:1"));
  EXPECT_FALSE(parse_mirror_status("2 253:0 253:1 8/8"));
  EXPECT_FALSE(parse_mirror_status("2 253:0 253:1 8/8 1"));
  EXPECT_TRUE(parse_mirror_status("2 253:0 253:1 8/8 1 AA"));
}

TEST(MirrorStatus, RegionCountsThatAreNoNumbersAreNone) {
  EXPECT_FALSE(parse_mirror_status("2 253:0 253:1 /8 1 AA 1 core"));
  EXPECT_FALSE(parse_mirror_status("2 253:0 253:1 8/ 1 AA 1 core"));
  EXPECT_FALSE(parse_mirror_status("2 253:0 253:1 x/8 1 AA 1 core"));
  EXPECT_FALSE(parse_mirror_status("2 253:0 253:1 8/y 1 AA 1 core"));
  EXPECT_FALSE(parse_mirror_status("2 253:0 253:1 99999999999999999999/8 1 AA 1 core"));
}

TEST(MirrorStatus, TheLegCountPlacesTheRegionCounts) {
  // A leg count that disagrees with the legs listed reads the wrong words:
  // here "253:1" where "in/total" should be, so no status.
  EXPECT_FALSE(parse_mirror_status("1 253:0 253:1 8/8 1 AA 1 core"));
  EXPECT_FALSE(parse_mirror_status("0 253:0 253:1 8/8 1 AA 1 core"));
}

// Found by fuzz/dm_lines: a leg count near 2^64 wrapped the length check and
// the health string was read from before the words.
TEST(MirrorStatus, HugeLegCountIsNone) {
  EXPECT_FALSE(parse_mirror_status("-2 a b c d"));
  EXPECT_FALSE(parse_mirror_status("18446744073709551614 a b c d"));
}

}  // namespace
}  // namespace pv2luks
