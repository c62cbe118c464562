// A plan input as one line, for the messages of the planner's tests.
#pragma once

#include <string>

#include "plan/plan.h"

namespace pv2luks {

inline std::string describe(const PlanInput& input) {
  return "move " + std::to_string(input.move_sectors) + " device " +
         std::to_string(input.device_sectors) + " data offset " +
         std::to_string(input.data_offset_sectors) + " chunk " +
         std::to_string(input.chunk_sectors) + " sector " + std::to_string(input.sector_bytes) +
         " region " + std::to_string(input.region_sectors);
}

}  // namespace pv2luks
