// The live conversion plan (converter/lib/plan/plan.h): geometry checks and the
// chunk schedule. The dm tables of each step are in test_plan_tables.cpp.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "plan_describe.h"

namespace pv2luks {
namespace {

constexpr std::uint64_t kLuks1DataOffsetSectors = 4096;   // 2 MiB
constexpr std::uint64_t kLuks2DataOffsetSectors = 32768;  // 16 MiB

PlanInput input_for(std::uint64_t move_sectors, std::uint64_t data_offset_sectors,
                    std::uint64_t chunk_sectors = 0) {
  PlanInput input;
  input.move_sectors = move_sectors;
  input.device_sectors = move_sectors + data_offset_sectors;
  input.data_offset_sectors = data_offset_sectors;
  input.chunk_sectors = chunk_sectors;
  return input;
}

std::vector<Chunk> all_chunks(const Plan& plan) {
  std::vector<Chunk> chunks;
  for (std::uint64_t k = 0; k < plan.chunk_count(); ++k) chunks.push_back(plan.chunk(k));
  return chunks;
}

bool any_contains(const std::vector<std::string>& texts, const std::string& needle) {
  for (const std::string& text : texts) {
    if (text.find(needle) != std::string::npos) return true;
  }
  return false;
}

// Everything the schedule promises, checked for one plan.
void check_schedule(const Plan& plan) {
  SCOPED_TRACE(describe(plan.input));
  ASSERT_TRUE(plan.ok()) << plan.problems.front();
  const std::uint64_t move_sectors = plan.input.move_sectors;
  const std::uint64_t data_offset_sectors = plan.input.data_offset_sectors;
  const std::uint64_t logical_sectors = plan.input.sector_bytes / kSectorBytes;
  ASSERT_GT(plan.chunk_count(), 0u);
  EXPECT_EQ(plan.chunk_count(), (move_sectors + plan.chunk_sectors - 1) / plan.chunk_sectors);
  EXPECT_LE(plan.chunk_sectors, data_offset_sectors);

  std::uint64_t next_end_sectors = move_sectors;  // chunks tile [0, move) from the end
  for (std::uint64_t k = 0; k < plan.chunk_count(); ++k) {
    SCOPED_TRACE("chunk " + std::to_string(k));
    const Chunk chunk = plan.chunk(k);
    const bool last = k + 1 == plan.chunk_count();
    EXPECT_EQ(chunk.end_sectors(), next_end_sectors);
    next_end_sectors = chunk.start_sectors;
    EXPECT_GT(chunk.length_sectors, 0u);
    EXPECT_LE(chunk.length_sectors, plan.chunk_sectors);
    if (!last) {
      EXPECT_EQ(chunk.length_sectors, plan.chunk_sectors) << "only the last is partial";
    }

    // Aligned: to the mirror's smallest region and to the logical sector.
    EXPECT_EQ(chunk.start_sectors % kMinMirrorRegionSectors, 0u);
    EXPECT_EQ(chunk.length_sectors % kMinMirrorRegionSectors, 0u);
    EXPECT_EQ(chunk.start_sectors % logical_sectors, 0u);
    EXPECT_EQ(chunk.length_sectors % logical_sectors, 0u);

    // The largest valid region that the request and the chunk allow.
    EXPECT_TRUE(std::has_single_bit(chunk.region_sectors));
    EXPECT_GE(chunk.region_sectors, kMinMirrorRegionSectors);
    EXPECT_LE(chunk.region_sectors, chunk.length_sectors);
    EXPECT_LE(chunk.region_sectors, plan.region_sectors);
    EXPECT_TRUE(chunk.region_sectors == plan.region_sectors ||
                2 * chunk.region_sectors > chunk.length_sectors);
    EXPECT_EQ(expected_mirror_regions(chunk.length_sectors, chunk.region_sectors),
              (chunk.length_sectors + chunk.region_sectors - 1) / chunk.region_sectors);

    // The destination overlaps no plaintext still to be read: not this
    // chunk's source, not any chunk after it. And it fits on the device.
    const std::uint64_t destination_start_sectors = data_offset_sectors + chunk.start_sectors;
    EXPECT_GE(destination_start_sectors, chunk.end_sectors());
    EXPECT_LE(destination_start_sectors + chunk.length_sectors, plan.input.device_sectors);
  }
  EXPECT_EQ(next_end_sectors, 0u) << "the chunks cover [0, move) exactly";
}

TEST(PlanGeometry, DefaultsApplied) {
  PlanInput input = input_for(264192, kLuks1DataOffsetSectors);
  input.region_sectors = 0;
  const Plan plan = make_plan(input);
  EXPECT_TRUE(plan.ok());
  EXPECT_EQ(plan.chunk_sectors, kLuks1DataOffsetSectors);
  EXPECT_EQ(plan.region_sectors, kDefaultMirrorRegionSectors);
  EXPECT_EQ(plan.alignment_sectors, 8u);
  EXPECT_EQ(PlanInput{}.region_sectors, 1024u);
  EXPECT_EQ(PlanInput{}.sector_bytes, 512u);
}

TEST(PlanGeometry, TailRoomExactlyTheHeaderIsEnough) {
  const Plan plan = make_plan(input_for(8192, kLuks1DataOffsetSectors));
  EXPECT_TRUE(plan.ok());
  EXPECT_EQ(plan.tail_room_sectors(), kLuks1DataOffsetSectors);
}

TEST(PlanGeometry, TailRoomTooSmallSaysWhatIsMissing) {
  PlanInput input = input_for(8192, kLuks1DataOffsetSectors);
  input.device_sectors = 8192 + 1000;
  const Plan plan = make_plan(input);
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_EQ(plan.problems[0],
            "not enough room after the PV for the LUKS header: it needs 4096 sectors (2097152 "
            "bytes), the device has 1000 sectors (512000 bytes) after the PV, 3096 sectors "
            "(1585152 bytes) missing; shrink the PV (pvresize) or grow its partition");
  EXPECT_EQ(plan.chunk_count(), 0u);
  EXPECT_THROW(plan.chunk(0), std::out_of_range);
}

TEST(PlanGeometry, NoTailRoomAtAll) {
  PlanInput input = input_for(8192, kLuks1DataOffsetSectors);
  input.device_sectors = 8192;
  const Plan plan = make_plan(input);
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_TRUE(any_contains(plan.problems, "4096 sectors (2097152 bytes) missing"));
}

TEST(PlanGeometry, PvLargerThanItsDevice) {
  PlanInput input = input_for(8192, kLuks1DataOffsetSectors);
  input.device_sectors = 4096;
  const Plan plan = make_plan(input);
  EXPECT_EQ(plan.problems,
            std::vector<std::string>{"the PV area of 8192 sectors (4194304 bytes) is larger than "
                                     "its device of 4096 sectors (2097152 bytes)"});
  EXPECT_EQ(plan.tail_room_sectors(), 0u);
}

TEST(PlanGeometry, ChunkNeverLargerThanTheDataOffset) {
  EXPECT_TRUE(make_plan(input_for(65536, 4096, 4096)).ok());
  EXPECT_TRUE(make_plan(input_for(65536, 4096, 1024)).ok());
  const Plan plan = make_plan(input_for(65536, 4096, 4104));
  EXPECT_EQ(plan.problems,
            std::vector<std::string>{
                "a chunk of 4104 sectors (2101248 bytes) is larger than the LUKS data offset of "
                "4096 sectors (2097152 bytes): a chunk's copy would overwrite its own source "
                "before reading it"});
}

TEST(PlanGeometry, BoundariesMustBeAligned) {
  const std::string suffix = " is not a multiple of 8 sectors (4096 bytes)";
  EXPECT_EQ(make_plan(input_for(8193, 4096)).problems,
            std::vector<std::string>{"the PV area (pe_start + pv_size) of 8193 sectors (4194816 "
                                     "bytes)" + suffix});
  EXPECT_EQ(make_plan(input_for(8192, 1030)).problems,
            std::vector<std::string>{"the LUKS data offset of 1030 sectors (527360 bytes)" +
                                     suffix});
  EXPECT_EQ(make_plan(input_for(8192, 4096, 100)).problems,
            std::vector<std::string>{"the chunk of 100 sectors (51200 bytes)" + suffix});
  EXPECT_TRUE(make_plan(input_for(8192, 1032)).ok()) << "LUKS1 without alignment: 1032 = 129 * 8";
}

TEST(PlanGeometry, LogicalSectorSizes) {
  for (std::uint32_t sector_bytes : {512u, 1024u, 2048u, 4096u}) {
    PlanInput input = input_for(8192, 4096);
    input.sector_bytes = sector_bytes;
    const Plan plan = make_plan(input);
    EXPECT_TRUE(plan.ok()) << sector_bytes;
    EXPECT_EQ(plan.alignment_sectors, 8u);
  }
  for (std::uint32_t sector_bytes : {0u, 256u, 520u, 8192u}) {
    PlanInput input = input_for(8192, 4096);
    input.sector_bytes = sector_bytes;
    EXPECT_EQ(make_plan(input).problems,
              std::vector<std::string>{"a logical sector of " + std::to_string(sector_bytes) +
                                       " bytes is not supported: it must be a power of two from "
                                       "512 to 4096"});
  }
}

TEST(PlanGeometry, MirrorRegionRequest) {
  for (std::uint64_t region_sectors : {8u, 16u, 1024u, 65536u}) {
    PlanInput input = input_for(8192, 4096);
    input.region_sectors = region_sectors;
    EXPECT_TRUE(make_plan(input).ok()) << region_sectors;
  }
  for (std::uint64_t region_sectors : {4u, 12u, 1000u}) {
    PlanInput input = input_for(8192, 4096);
    input.region_sectors = region_sectors;
    EXPECT_EQ(make_plan(input).problems,
              std::vector<std::string>{"a mirror region of " + std::to_string(region_sectors) +
                                       " sectors is not a power of two of at least 8"});
  }
}

TEST(PlanGeometry, NothingToMoveOrNoHeader) {
  EXPECT_TRUE(any_contains(make_plan(input_for(0, 4096)).problems, "the PV area is empty"));
  const Plan no_header = make_plan(input_for(8192, 0));
  EXPECT_FALSE(no_header.ok());
  EXPECT_TRUE(any_contains(no_header.problems, "the LUKS data offset is 0"));
  EXPECT_EQ(no_header.chunk_count(), 0u);
}

TEST(PlanGeometry, EveryProblemAtOnce) {
  PlanInput input;
  input.move_sectors = 1001;
  input.device_sectors = 900;
  input.data_offset_sectors = 100;
  input.chunk_sectors = 204;
  input.sector_bytes = 4097;
  input.region_sectors = 3;
  // sector size, region, chunk > data offset, three misalignments, PV > device
  EXPECT_EQ(make_plan(input).problems.size(), 7u);
}

TEST(PlanSchedule, ExactMultiple) {
  const Plan plan = make_plan(input_for(4 * 4096, 4096));
  EXPECT_EQ(all_chunks(plan), (std::vector<Chunk>{{12288, 4096, 1024},
                                                  {8192, 4096, 1024},
                                                  {4096, 4096, 1024},
                                                  {0, 4096, 1024}}));
  check_schedule(plan);
}

TEST(PlanSchedule, PartialChunkMovesLastAtTheFront) {
  const Plan plan = make_plan(input_for(3 * 4096 + 8, 4096));
  EXPECT_EQ(all_chunks(plan), (std::vector<Chunk>{{8200, 4096, 1024},
                                                  {4104, 4096, 1024},
                                                  {8, 4096, 1024},
                                                  {0, 8, 8}}));
  check_schedule(plan);
}

TEST(PlanSchedule, PvSmallerThanOneChunk) {
  const Plan plan = make_plan(input_for(1000, 4096));
  EXPECT_EQ(all_chunks(plan), (std::vector<Chunk>{{0, 1000, 512}}));
  check_schedule(plan);
}

TEST(PlanSchedule, PvOfExactlyOneChunk) {
  const Plan plan = make_plan(input_for(4096, 4096));
  EXPECT_EQ(all_chunks(plan), (std::vector<Chunk>{{0, 4096, 1024}}));
}

TEST(PlanSchedule, TinyPv) {
  const Plan plan = make_plan(input_for(8, 8));
  EXPECT_EQ(all_chunks(plan), (std::vector<Chunk>{{0, 8, 8}}));
  check_schedule(plan);
}

TEST(PlanSchedule, ChunkSmallerThanTheDataOffset) {
  const Plan plan = make_plan(input_for(10000, 4096, 1024));
  ASSERT_EQ(plan.chunk_count(), 10u);
  EXPECT_EQ(plan.chunk(0), (Chunk{8976, 1024, 1024}));
  EXPECT_EQ(plan.chunk(9), (Chunk{0, 784, 512}));
  check_schedule(plan);
}

TEST(PlanSchedule, Luks1UnalignedHeaderGivesAPartialLastRegion) {
  const Plan plan = make_plan(input_for(2 * 1032, 1032));
  EXPECT_EQ(all_chunks(plan), (std::vector<Chunk>{{1032, 1032, 1024}, {0, 1032, 1024}}));
  EXPECT_EQ(expected_mirror_regions(1032, 1024), 2u);
}

TEST(PlanSchedule, FourKSectors) {
  PlanInput input = input_for(2048 + 32 * 8192, kLuks2DataOffsetSectors);
  input.sector_bytes = 4096;
  const Plan plan = make_plan(input);
  ASSERT_EQ(plan.chunk_count(), 9u);
  EXPECT_EQ(plan.chunk(8), (Chunk{0, 2048, 1024}));
  check_schedule(plan);
}

TEST(PlanSchedule, RealisticSizes) {
  // 1 TiB PV behind a 16 MiB LUKS2 header: 65537 chunks, computed, not stored.
  const std::uint64_t extents_sectors = std::uint64_t{1} << 31;
  const Plan plan = make_plan(input_for(2048 + extents_sectors, kLuks2DataOffsetSectors));
  EXPECT_EQ(plan.chunk_count(), 65537u);
  EXPECT_EQ(plan.chunk(0), (Chunk{2048 + extents_sectors - 32768, 32768, 1024}));
  EXPECT_EQ(plan.chunk(65536), (Chunk{0, 2048, 1024}));
  EXPECT_THROW(plan.chunk(65537), std::out_of_range);
}

TEST(PlanSchedule, MirrorRegionFor) {
  EXPECT_EQ(mirror_region_for(4096, 1024), 1024u);
  EXPECT_EQ(mirror_region_for(1032, 1024), 1024u);
  EXPECT_EQ(mirror_region_for(1016, 1024), 512u);
  EXPECT_EQ(mirror_region_for(24, 1024), 16u);
  EXPECT_EQ(mirror_region_for(8, 1024), 8u);
  EXPECT_EQ(mirror_region_for(4096, 64), 64u);
}

TEST(PlanSchedule, ExpectedMirrorRegionsCountsRegions) {
  EXPECT_EQ(expected_mirror_regions(262144, 8), 32768u);  // measured in the guest
  EXPECT_EQ(expected_mirror_regions(4096, 1024), 4u);
  EXPECT_EQ(expected_mirror_regions(4104, 1024), 5u);
  EXPECT_EQ(expected_mirror_regions(8, 8), 1u);
  EXPECT_EQ(expected_mirror_regions(1000, 512), 2u);
}

TEST(PlanSchedule, HandPickedGeometries) {
  const std::vector<PlanInput> inputs = {
      input_for(8, 8),
      input_for(16, 8),
      input_for(8, 4096),
      input_for(4096, 4096),
      input_for(4096 + 8, 4096),
      input_for(4096 - 8, 4096),
      input_for(264192, 4096),                      // the guest's 128 MiB PV, LUKS1
      input_for(264192, 2056),                      // debian-installer's LUKS1 header
      input_for(2048 + 256 * 8192, 32768),          // 1 GiB PV, LUKS2
      input_for(2048 + 256 * 8192, 32768, 8),       // smallest chunks
      input_for(2048 + 256 * 8192, 32768, 32760),   // just under the data offset
      input_for(12344, 4096, 1024),
  };
  for (PlanInput input : inputs) {
    check_schedule(make_plan(input));
    input.sector_bytes = 4096;
    check_schedule(make_plan(input));
    input.region_sectors = 8;
    check_schedule(make_plan(input));
  }
}

TEST(PlanSchedule, RandomGeometries) {
  std::mt19937_64 random(20070624);  // fixed: failures reproduce
  auto eights = [&random](std::uint64_t low, std::uint64_t high) {
    return 8 * std::uniform_int_distribution<std::uint64_t>(low, high)(random);
  };
  const std::vector<std::uint64_t> regions = {0, 8, 16, 64, 1024, 4096};
  for (int i = 0; i < 2000; ++i) {
    PlanInput input;
    input.data_offset_sectors = eights(1, 5000);
    input.move_sectors = eights(1, 200000);
    input.device_sectors = input.move_sectors + input.data_offset_sectors + eights(0, 3) +
                           (i % 3 == 0 ? 7 : 0);  // the tail need not be aligned
    input.chunk_sectors = i % 4 == 0 ? 0 : eights(1, input.data_offset_sectors / 8);
    input.sector_bytes = i % 2 == 0 ? 512 : 4096;
    input.region_sectors = regions[static_cast<std::size_t>(i) % regions.size()];
    const Plan plan = make_plan(input);
    check_schedule(plan);
    if (testing::Test::HasFailure()) break;  // one geometry's trace is enough
  }
}

}  // namespace
}  // namespace pv2luks
