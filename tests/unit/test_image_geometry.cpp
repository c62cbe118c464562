// Disk geometry of layout specs: partition offsets, PV size, tail room,
// extents (harness/image/geometry.h), and the sfdisk script made from them.
#include <gtest/gtest.h>

#include "image/geometry.h"
#include "image/partition_table.h"

namespace harness {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

LayoutSpec two_partitions(PartitionTable table, std::uint64_t disk_bytes,
                          std::uint64_t first_bytes) {
  LayoutSpec spec;
  spec.disk_size_bytes = disk_bytes;
  spec.table = table;
  spec.partitions = {{first_bytes, PartitionType::linux, false, {}},
                     {std::nullopt, PartitionType::lvm, true, {}}};
  spec.pv.vg = "vg";
  return spec;
}

TEST(Geometry, UsableEndLeavesRoomForTheBackupGpt) {
  EXPECT_EQ(usable_end_bytes(PartitionTable::gpt, 128 * kMiB), 128 * kMiB - 33 * 512);
  EXPECT_EQ(usable_end_bytes(PartitionTable::msdos, 128 * kMiB), 128 * kMiB);
  EXPECT_EQ(usable_end_bytes(PartitionTable::none, 128 * kMiB), 128 * kMiB);
  EXPECT_EQ(usable_end_bytes(PartitionTable::gpt, 1024), 0u);
}

TEST(Geometry, Align) {
  EXPECT_EQ(align_up(0, kMiB), 0u);
  EXPECT_EQ(align_up(1, kMiB), kMiB);
  EXPECT_EQ(align_up(kMiB, kMiB), kMiB);
  EXPECT_EQ(align_down(2 * kMiB - 1, kMiB), kMiB);
}

TEST(Geometry, GptRestEndsOnTheLastMibBoundaryBeforeTheBackup) {
  const auto placed = place_partitions(two_partitions(PartitionTable::gpt, 128 * kMiB, 8 * kMiB));
  ASSERT_EQ(placed.size(), 2u);
  EXPECT_EQ(placed[0], (PartitionPlacement{1, kMiB, 8 * kMiB}));
  EXPECT_EQ(placed[1], (PartitionPlacement{2, 9 * kMiB, 118 * kMiB}));
}

TEST(Geometry, MsdosRestRunsToTheDiskEnd) {
  const auto placed = place_partitions(two_partitions(PartitionTable::msdos, 96 * kMiB, 4 * kMiB));
  EXPECT_EQ(placed[1], (PartitionPlacement{2, 5 * kMiB, 91 * kMiB}));
}

TEST(Geometry, PartitionsStartOnMibBoundaries) {
  const auto placed = place_partitions(two_partitions(PartitionTable::msdos, 96 * kMiB, 1000 * 512));
  EXPECT_EQ(placed[0].size_bytes, 1000u * 512);
  EXPECT_EQ(placed[1].start_bytes, 2 * kMiB);
}

TEST(Geometry, RestGetsNothingWhenTheDiskIsFull) {
  const auto placed = place_partitions(two_partitions(PartitionTable::gpt, 16 * kMiB, 15 * kMiB));
  EXPECT_EQ(placed[1].size_bytes, 0u);
  EXPECT_FALSE(fit_problems(two_partitions(PartitionTable::gpt, 16 * kMiB, 15 * kMiB)).empty());
}

TEST(Geometry, ExplicitPvSizeGivesTailRoom) {
  LayoutSpec spec = two_partitions(PartitionTable::gpt, 128 * kMiB, 8 * kMiB);
  spec.pv.size_bytes = 100 * kMiB;
  const PvPlacement pv = plan_geometry(spec).pv;
  EXPECT_EQ(pv.area, (PartitionPlacement{2, 9 * kMiB, 118 * kMiB}));
  EXPECT_EQ(pv.pv_size_bytes, 100 * kMiB);
  EXPECT_EQ(pv.tail_room_bytes(), 18 * kMiB);
  EXPECT_EQ(pv.pe_start_bytes, kMiB);
  EXPECT_EQ(pv.pe_count, 24u);  // (100 - 1) / 4, rounded down
  EXPECT_EQ(pv.pe_offset_bytes(0), 10 * kMiB);
  EXPECT_EQ(pv.pe_offset_bytes(8), 42 * kMiB);
}

TEST(Geometry, TailRoomGivesPvSize) {
  LayoutSpec spec = two_partitions(PartitionTable::gpt, 256 * kMiB, 16 * kMiB);
  spec.pv.tail_room_bytes = 32 * kMiB;
  const PvPlacement pv = plan_geometry(spec).pv;
  EXPECT_EQ(pv.area.size_bytes, 238 * kMiB);
  EXPECT_EQ(pv.pv_size_bytes, 206 * kMiB);
  EXPECT_EQ(pv.tail_room_bytes(), 32 * kMiB);
  EXPECT_EQ(pv.pe_count, 51u);
}

TEST(Geometry, WholeDiskPv) {
  LayoutSpec spec;
  spec.disk_size_bytes = 64 * kMiB;
  spec.table = PartitionTable::none;
  spec.pv.extent_size_bytes = 2 * kMiB;
  const DiskGeometry geometry = plan_geometry(spec);
  EXPECT_TRUE(geometry.partitions.empty());
  EXPECT_EQ(geometry.pv.area, (PartitionPlacement{0, 0, 64 * kMiB}));
  EXPECT_EQ(geometry.pv.tail_room_bytes(), 0u);
  EXPECT_EQ(geometry.pv.pe_count, 31u);
  EXPECT_EQ(geometry.pv.pe_offset_bytes(1), 3 * kMiB);
}

TEST(Geometry, PvLargerThanItsAreaHasNoExtents) {
  LayoutSpec spec = two_partitions(PartitionTable::gpt, 128 * kMiB, 8 * kMiB);
  spec.pv.size_bytes = 119 * kMiB;
  EXPECT_EQ(plan_geometry(spec).pv.pe_count, 0u);
  const auto problems = fit_problems(spec);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("is larger than its partition"), std::string::npos);
}

TEST(Geometry, SegmentExtentsSplitEvenlyFirstRunsLonger) {
  EXPECT_EQ(segment_extents(5, 1), (std::vector<std::uint64_t>{5}));
  EXPECT_EQ(segment_extents(6, 2), (std::vector<std::uint64_t>{3, 3}));
  EXPECT_EQ(segment_extents(7, 3), (std::vector<std::uint64_t>{3, 2, 2}));
  EXPECT_EQ(segment_extents(3, 3), (std::vector<std::uint64_t>{1, 1, 1}));
}

TEST(Geometry, ExtentsNeededCountsSpacers) {
  LayoutSpec spec = two_partitions(PartitionTable::gpt, 128 * kMiB, 8 * kMiB);
  spec.lvs = {{"a", 32 * kMiB, 1, {}}, {"b", 24 * kMiB, 2, {}}, {"c", 12 * kMiB, 3, {}}};
  EXPECT_EQ(extents_needed(spec), 8u + 6 + 1 + 3 + 2);
}

TEST(Geometry, LvsFitExactly) {
  LayoutSpec spec = two_partitions(PartitionTable::gpt, 128 * kMiB, 8 * kMiB);
  spec.pv.size_bytes = 100 * kMiB;
  spec.lvs = {{"a", 92 * kMiB, 2, {}}};  // 23 extents + 1 spacer = 24
  EXPECT_TRUE(fit_problems(spec).empty());
  spec.lvs[0].size_bytes = 96 * kMiB;
  EXPECT_EQ(fit_problems(spec).size(), 1u);
}

TEST(PartitionTable, SfdiskScriptGivesEveryOffsetInSectors) {
  const LayoutSpec spec = two_partitions(PartitionTable::gpt, 128 * kMiB, 8 * kMiB);
  EXPECT_EQ(sfdisk_script(spec, place_partitions(spec)),
            "label: gpt\nunit: sectors\nsector-size: 512\n\n"
            "start=2048, size=16384, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n"
            "start=18432, size=241664, type=E6D6D379-F507-44C2-A23C-238F2A3DF928\n");
}

TEST(PartitionTable, MsdosTypes) {
  const LayoutSpec spec = two_partitions(PartitionTable::msdos, 96 * kMiB, 4 * kMiB);
  const std::string script = sfdisk_script(spec, place_partitions(spec));
  EXPECT_EQ(script.rfind("label: dos\n", 0), 0u);
  EXPECT_NE(script.find("type=83\n"), std::string::npos);
  EXPECT_NE(script.find("type=8e\n"), std::string::npos);
  EXPECT_EQ(partition_type_code(PartitionTable::msdos, PartitionType::swap), "82");
}

// images/test-logical: 1 primary, then logical 5 (the PV) and 6 in an
// extended 2 that starts 1 MiB before 5; each logical has its EBR's MiB.
LayoutSpec logical_layout() {
  LayoutSpec spec;
  spec.disk_size_bytes = 72 * kMiB;
  spec.table = PartitionTable::msdos;
  spec.partitions = {{8 * kMiB, PartitionType::linux, false, {}},
                     {40 * kMiB, PartitionType::lvm, true, {}, true},
                     {std::nullopt, PartitionType::linux, false, {}, true}};
  spec.pv.vg = "vg";
  return spec;
}

TEST(PartitionTable, LogicalPartitionsInAnExtendedOne) {
  const LayoutSpec spec = logical_layout();
  const auto placed = place_partitions(spec);
  ASSERT_EQ(placed.size(), 3u);
  EXPECT_EQ(placed[0], (PartitionPlacement{1, 1 * kMiB, 8 * kMiB}));
  EXPECT_EQ(placed[1], (PartitionPlacement{5, 10 * kMiB, 40 * kMiB}));
  EXPECT_EQ(placed[2], (PartitionPlacement{6, 51 * kMiB, 21 * kMiB}));
  const auto extended = extended_placement(spec, placed);
  ASSERT_TRUE(extended.has_value());
  EXPECT_EQ(*extended, (PartitionPlacement{2, 9 * kMiB, 63 * kMiB}));
  EXPECT_EQ(sfdisk_script(spec, placed),
            "label: dos\nunit: sectors\nsector-size: 512\n\n"
            "start=2048, size=16384, type=83\n"
            "start=18432, size=129024, type=5\n"
            "start=20480, size=81920, type=8e\n"
            "start=104448, size=43008, type=83\n");
  EXPECT_EQ(plan_geometry(spec).pv.area.number, 5);
  // Negative control: without logical partitions there is no extended one.
  EXPECT_FALSE(extended_placement(two_partitions(PartitionTable::msdos, 96 * kMiB, 4 * kMiB),
                                  place_partitions(two_partitions(PartitionTable::msdos,
                                                                  96 * kMiB, 4 * kMiB)))
                   .has_value());
}

TEST(PartitionTable, ParsesSfdiskJsonWithLogicalPartitions) {
  const char json[] = R"({"partitiontable": {"label": "dos", "unit": "sectors",
      "sectorsize": 512, "partitions": [
        {"node": "d.img1", "start": 2048, "size": 16384, "type": "83"},
        {"node": "d.img2", "start": 18432, "size": 129024, "type": "5"},
        {"node": "d.img5", "start": 20480, "size": 81920, "type": "8e"}]}})";
  const auto placed = parse_sfdisk_json(json);
  ASSERT_EQ(placed.size(), 3u);
  EXPECT_EQ(placed[1].number, 2);
  EXPECT_EQ(placed[2], (PartitionPlacement{5, 20480 * 512, 81920 * 512}));
}

TEST(PartitionTable, ParsesSfdiskJson) {
  const char json[] = R"({"partitiontable": {"label": "gpt", "unit": "sectors",
      "sectorsize": 512, "partitions": [
        {"node": "d.img1", "start": 2048, "size": 16384, "type": "0FC63DAF"},
        {"node": "d.img2", "start": 18432, "size": 241664, "type": "E6D6D379"}]}})";
  EXPECT_EQ(parse_sfdisk_json(json),
            (std::vector<PartitionPlacement>{{1, kMiB, 8 * kMiB}, {2, 9 * kMiB, 118 * kMiB}}));
}

}  // namespace
}  // namespace harness
