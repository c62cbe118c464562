// The plan as text for --dry-run: the chunk schedule and the tables each
// phase loads, keys redacted (ShowKeys::no). Pure.
#pragma once

#include <string>

#include "plan/plan.h"
#include "plan/step_tables.h"

namespace pv2luks {

struct PlanNames {
  std::string crypt_full;    // e.g. "pv2luks-vda2-full"
  std::string intermediate;  // e.g. "vda2_crypt"
};

// "schedule: ..." lines, then per phase the device it loads and its table.
// Only the first and the last steps of the move are shown: the others
// differ from them only in where the mirror sits.
std::string describe_plan(const Plan& plan, const PlanDevices& devices, const PlanNames& names);

}  // namespace pv2luks
