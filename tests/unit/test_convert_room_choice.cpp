// The header a conversion chooses for the room after the PV
// (converter/lib/convert/room_choice.h), and the size LVM recorded for the
// PV: the LUKS data area (the device less the header) must hold it, or LVM
// warns on the converted PV that its device is smaller than the PV.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "error_of.h"
#include "convert/room_choice.h"

namespace pv2luks {
namespace {

constexpr std::uint64_t kMib = 2048;  // sectors

// test-gpt's PV: 24 extents of 4 MiB after a 1 MiB pe_start (97 MiB), on a
// device of `device_mib`, LVM's recorded size `recorded_mib` (0: unknown).
PvReport pv_on(std::uint64_t device_mib, std::uint64_t recorded_mib) {
  PvReport pv;
  pv.vg_name = "testgpt";
  pv.pe_start_sectors = kMib;
  pv.pv_size_sectors = 24 * 4 * kMib;
  pv.dev_size_sectors = device_mib * kMib;
  pv.recorded_size_sectors = recorded_mib * kMib;
  pv.segments = {{0, 20, "root", "linear", ""}, {20, 4, "", "free", ""}};
  return pv;
}

struct Chosen {
  std::uint64_t data_offset_sectors = 0;
  std::vector<std::string> said;
};

Chosen choose(const PvReport& pv) {
  ConvertOptions options;
  options.device = "/dev/vda2";
  Chosen chosen;
  const RoomChoice choice = choose_room_and_header(
      options, pv, "/dev/vda2", [&](const std::string& line) { chosen.said.push_back(line); });
  chosen.data_offset_sectors = choice.header.spec.data_offset_sectors;
  return chosen;
}

bool said(const Chosen& chosen, const std::string& words) {
  for (const std::string& line : chosen.said) {
    if (line.find(words) != std::string::npos) return true;
  }
  return false;
}

TEST(RoomChoice, TheDefaultHeaderWhenTheExtentsAndTheRecordedSizeLeaveRoom) {
  // 114 MiB: 97 MiB of extents, 16 MiB header, 1 MiB journal.
  EXPECT_EQ(choose(pv_on(114, 0)).data_offset_sectors, 16 * kMib);
  EXPECT_EQ(choose(pv_on(114, 97)).data_offset_sectors, 16 * kMib);
  EXPECT_EQ(choose(pv_on(114, 98)).data_offset_sectors, 16 * kMib);
}

TEST(RoomChoice, TheRecordedSizeBoundsTheHeader) {
  // LVM recorded 100 MiB: a 16 MiB header would leave 98; 14 MiB may go to
  // the header, so cryptsetup's next size down, 8 MiB.
  const Chosen chosen = choose(pv_on(114, 100));
  EXPECT_EQ(chosen.data_offset_sectors, 8 * kMib);
  EXPECT_GE(114 * kMib - chosen.data_offset_sectors, 100 * kMib);
  EXPECT_TRUE(said(chosen, "LVM records the PV's size as 100 MiB")) << chosen.said.front();
  EXPECT_TRUE(said(chosen, "the header may take 14 MiB at most"));
}

TEST(RoomChoice, ARecordedSizeThatLeavesNoHeaderIsRefusedWithTheCommand) {
  // A PV made on the whole 104 MiB partition: its extents end at 97 MiB
  // (room for a header by them), but LVM records all 104 MiB.
  const std::string error = error_of([] { choose(pv_on(104, 104)); });
  EXPECT_NE(error.find("LVM records the PV's size as 212992 sectors (104 MiB)"), std::string::npos)
      << error;
  EXPECT_NE(error.find("pvresize --setphysicalvolumesize 198656s /dev/vda2"), std::string::npos)
      << error;
}

TEST(RoomChoice, MakeRoomLowersTheRecordedSize) {
  PvReport pv = pv_on(98, 98);  // no room by the extents either; the last 4 are free
  RoomPlan room = plan_room(pv, 17 * kMib);
  ASSERT_TRUE(room.tail_extents_free);
  const PvReport after = shrunk(pv, room);
  EXPECT_EQ(after.recorded_size_sectors, room.new_pv_device_sectors);
  EXPECT_LE(after.recorded_size_sectors, after.used_sectors());
}

}  // namespace
}  // namespace pv2luks
