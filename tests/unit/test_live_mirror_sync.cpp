// A dm mirror's status line, as wait_for_mirror_sync reads it.
#include <gtest/gtest.h>

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

// Found by fuzz/dm_lines: a leg count near 2^64 wrapped the length check and
// the health string was read from before the words.
TEST(MirrorStatus, HugeLegCountIsNone) {
  EXPECT_FALSE(parse_mirror_status("-2 a b c d"));
  EXPECT_FALSE(parse_mirror_status("18446744073709551614 a b c d"));
}

}  // namespace
}  // namespace pv2luks
