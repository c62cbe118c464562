#include <gtest/gtest.h>

#include "base/error.h"
#include "convert/prepared_header.h"
#include "convert/room_choice.h"
#include "lvm/room.h"

namespace pv2luks {
namespace {

constexpr std::uint64_t kExtent = 8192;  // 4 MiB in sectors

// A PV of 16 extents of 4 MiB after a 1 MiB pe_start; `segments` as
// {start, size, lv} with "" for free space; `tail` sectors after the PV.
PvReport pv_with(std::vector<PvSegment> segments, std::uint64_t tail = 0) {
  PvReport pv;
  pv.vg_name = "vg";
  pv.pe_start_sectors = 2048;
  pv.pv_size_sectors = 16 * kExtent;
  pv.dev_size_sectors = pv.used_sectors() + tail;
  pv.segments = std::move(segments);
  return pv;
}

const std::uint64_t kLuks2 = 32768;  // 16 MiB

TEST(Room, EnoughWhenTheTailHoldsTheHeader) {
  const RoomPlan room = plan_room(pv_with({{0, 16, "a", "linear", ""}}, kLuks2), kLuks2);
  EXPECT_TRUE(room.enough());
  EXPECT_EQ(room.extent_sectors, kExtent);
  EXPECT_EQ(room.pe_count, 16u);
}

TEST(Room, CountsTheExtentsToFreeRoundingUp) {
  // One sector there: 16 MiB - 1 sector missing, 4 extents.
  EXPECT_EQ(plan_room(pv_with({{0, 16, "a", "linear", ""}}, 1), kLuks2).extents_to_free, 4u);
  // 4 MiB already there: 3 more.
  EXPECT_EQ(plan_room(pv_with({{0, 16, "a", "linear", ""}}, kExtent), kLuks2).extents_to_free, 3u);
  // One sector more than 4 MiB there: still 3.
  EXPECT_EQ(plan_room(pv_with({{0, 16, "a", "linear", ""}}, kExtent + 1), kLuks2).extents_to_free, 3u);
}

TEST(Room, FreeTailGivesTheShrinkCommand) {
  const PvReport pv = pv_with({{0, 2, "a", "linear", ""}, {2, 14, "", "free", ""}});
  const RoomPlan room = plan_room(pv, kLuks2);
  ASSERT_EQ(room.extents_to_free, 4u);
  EXPECT_EQ(room.first_extent_to_free, 12u);
  EXPECT_TRUE(room.tail_extents_free);
  EXPECT_EQ(room.new_pv_device_sectors, 2048 + 12 * kExtent);
  EXPECT_EQ(make_room_command(room, "/dev/vdb"),
            (std::vector<std::string>{"pvresize", "--yes", "--setphysicalvolumesize",
                                      std::to_string(2048 + 12 * kExtent) + "s", "/dev/vdb"}));
  const std::string advice = room_advice(room, pv, "/dev/vdb");
  EXPECT_NE(advice.find("run again with --make-room"), std::string::npos) << advice;
  // The shrunk PV is what the plan is made for: 12 extents, the room there.
  const PvReport after = shrunk(pv, room);
  EXPECT_EQ(after.used_sectors(), 2048 + 12 * kExtent);
  EXPECT_EQ(after.tail_room_sectors(), kLuks2);
  ASSERT_EQ(after.segments.size(), 2u);
  EXPECT_EQ(after.segments[1].size_extents, 10u);
}

TEST(Room, UsedTailNamesTheLvsAndAPvmoveWithinThePv) {
  const PvReport pv = pv_with({{0, 2, "a", "linear", ""},
                               {2, 6, "", "free", ""},
                               {8, 5, "b", "linear", ""},
                               {13, 3, "c", "linear", ""}});
  const RoomPlan room = plan_room(pv, kLuks2);
  EXPECT_FALSE(room.tail_extents_free);
  EXPECT_EQ(room.blocking_lvs, (std::vector<std::string>{"vg/b", "vg/c"}));
  EXPECT_EQ(room.free_extents_elsewhere, 6u);
  const std::string advice = room_advice(room, pv, "/dev/vdb");
  EXPECT_NE(advice.find("They hold vg/b, vg/c."), std::string::npos) << advice;
  EXPECT_NE(advice.find("pvmove --alloc anywhere /dev/vdb:12-15 /dev/vdb:0-11"), std::string::npos)
      << advice;
}

TEST(Room, TooLittleFreeSpaceSaysHowMuchMore) {
  const PvReport pv = pv_with({{0, 1, "", "free", ""}, {1, 15, "a", "linear", ""}});
  const RoomPlan room = plan_room(pv, kLuks2);
  EXPECT_EQ(room.free_extents_elsewhere, 1u);
  const std::string advice = room_advice(room, pv, "/dev/vdb");
  EXPECT_NE(advice.find("only 1 free extent before them; free 3 more first"), std::string::npos)
      << advice;
  EXPECT_EQ(advice.find("pvmove --alloc anywhere"), std::string::npos) << advice;
}

TEST(Room, FreeSegmentStraddlingTheTailCountsOnlyItsPartBefore) {
  const PvReport pv = pv_with({{0, 10, "a", "linear", ""}, {10, 4, "", "free", ""},
                               {14, 2, "b", "linear", ""}});
  const RoomPlan room = plan_room(pv, kLuks2);  // tail: 12-15
  EXPECT_EQ(room.free_extents_elsewhere, 2u);
  EXPECT_FALSE(room.tail_extents_free);
}

TEST(Cipher, SplitsAtTheFirstDash) {
  EXPECT_EQ(split_cipher("aes-xts-plain64"), std::make_pair(std::string("aes"), std::string("xts-plain64")));
  EXPECT_EQ(split_cipher("serpent-cbc-essiv:sha256").second, "cbc-essiv:sha256");
  EXPECT_THROW(split_cipher("aes"), Error);
  EXPECT_THROW(split_cipher("-xts"), Error);
  EXPECT_THROW(split_cipher("aes-"), Error);
}

}  // namespace
}  // namespace pv2luks
