#include "plan/plan.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <stdexcept>

namespace pv2luks {
namespace {

constexpr std::uint64_t kMaxSectorBytes = 4096;  // dm-crypt's largest sector

// "4096 sectors (2097152 bytes)": sizes in problems carry both units.
std::string sectors_text(std::uint64_t sectors) {
  return std::to_string(sectors) + " sectors (" + std::to_string(sectors * kSectorBytes) +
         " bytes)";
}

void check_aligned(Plan& plan, std::string_view what, std::uint64_t value_sectors) {
  if (value_sectors % plan.alignment_sectors != 0) {
    plan.problems.push_back(std::string(what) + " of " + sectors_text(value_sectors) +
                            " is not a multiple of " + sectors_text(plan.alignment_sectors));
  }
}

void check_sizes(Plan& plan) {
  const PlanInput& input = plan.input;
  if (input.move_sectors == 0) plan.problems.push_back("the PV area is empty: nothing to move");
  if (input.data_offset_sectors == 0) {
    plan.problems.push_back("the LUKS data offset is 0: there is no room for a header");
  }
  if (!std::has_single_bit(plan.region_sectors) || plan.region_sectors < kMinMirrorRegionSectors) {
    plan.problems.push_back("a mirror region of " + std::to_string(plan.region_sectors) +
                            " sectors is not a power of two of at least " +
                            std::to_string(kMinMirrorRegionSectors));
  }
  if (plan.chunk_sectors > input.data_offset_sectors) {
    plan.problems.push_back(
        "a chunk of " + sectors_text(plan.chunk_sectors) + " is larger than the LUKS data offset of " +
        sectors_text(input.data_offset_sectors) +
        ": a chunk's copy would overwrite its own source before reading it");
  }
}

void check_alignment(Plan& plan) {
  const PlanInput& input = plan.input;
  if (input.move_sectors != 0) check_aligned(plan, "the PV area (pe_start + pv_size)", input.move_sectors);
  if (input.data_offset_sectors != 0) {
    check_aligned(plan, "the LUKS data offset", input.data_offset_sectors);
  }
  if (input.chunk_sectors != 0) check_aligned(plan, "the chunk", input.chunk_sectors);
}

void check_room(Plan& plan) {
  const PlanInput& input = plan.input;
  if (input.move_sectors > input.device_sectors) {
    plan.problems.push_back("the PV area of " + sectors_text(input.move_sectors) +
                            " is larger than its device of " + sectors_text(input.device_sectors));
    return;
  }
  const std::uint64_t tail_room_sectors = plan.tail_room_sectors();
  if (tail_room_sectors < input.data_offset_sectors) {
    plan.problems.push_back(
        "not enough room after the PV for the LUKS header: it needs " +
        sectors_text(input.data_offset_sectors) + ", the device has " +
        sectors_text(tail_room_sectors) + " after the PV, " +
        sectors_text(input.data_offset_sectors - tail_room_sectors) +
        " missing; shrink the PV (pvresize) or grow its partition");
  }
}

}  // namespace

std::uint64_t Plan::tail_room_sectors() const {
  return input.device_sectors > input.move_sectors ? input.device_sectors - input.move_sectors : 0;
}

std::uint64_t Plan::chunk_count() const {
  if (!ok()) return 0;
  return input.move_sectors / chunk_sectors + (input.move_sectors % chunk_sectors != 0 ? 1 : 0);
}

Chunk Plan::chunk(std::uint64_t k) const {
  if (k >= chunk_count()) {
    throw std::out_of_range("chunk " + std::to_string(k) + " of a plan with " +
                            std::to_string(chunk_count()) + " chunks");
  }
  const std::uint64_t end_sectors = input.move_sectors - k * chunk_sectors;
  const std::uint64_t start_sectors = end_sectors > chunk_sectors ? end_sectors - chunk_sectors : 0;
  const std::uint64_t length_sectors = end_sectors - start_sectors;
  return {start_sectors, length_sectors, mirror_region_for(length_sectors, region_sectors)};
}

std::uint64_t moved_bytes(const Plan& plan, std::uint64_t chunks_done) {
  std::uint64_t sectors = 0;
  for (std::uint64_t k = 0; k < chunks_done; ++k) sectors += plan.chunk(k).length_sectors;
  return sectors * kSectorBytes;
}

Plan make_plan(const PlanInput& input) {
  Plan plan;
  plan.input = input;
  plan.chunk_sectors = input.chunk_sectors != 0 ? input.chunk_sectors : input.data_offset_sectors;
  plan.region_sectors =
      input.region_sectors != 0 ? input.region_sectors : kDefaultMirrorRegionSectors;
  plan.alignment_sectors = kMinMirrorRegionSectors;

  const std::uint64_t sector_bytes = input.sector_bytes;
  if (!std::has_single_bit(sector_bytes) || sector_bytes < kSectorBytes ||
      sector_bytes > kMaxSectorBytes) {
    plan.problems.push_back("a logical sector of " + std::to_string(sector_bytes) +
                            " bytes is not supported: it must be a power of two from 512 to 4096");
  } else {
    plan.alignment_sectors = std::max(plan.alignment_sectors, sector_bytes / kSectorBytes);
  }
  check_sizes(plan);
  check_alignment(plan);
  check_room(plan);
  return plan;
}

std::uint64_t mirror_region_for(std::uint64_t chunk_length_sectors,
                                std::uint64_t requested_region_sectors) {
  return std::min(std::bit_floor(requested_region_sectors), std::bit_floor(chunk_length_sectors));
}

std::uint64_t expected_mirror_regions(std::uint64_t length_sectors, std::uint64_t region_sectors) {
  assert(region_sectors > 0);
  return length_sectors / region_sectors + (length_sectors % region_sectors != 0 ? 1 : 0);
}

}  // namespace pv2luks
