#include "plan/step_tables.h"

#include <algorithm>
#include <stdexcept>

#include "base/sector.h"

namespace pv2luks {
namespace {

void require_ok(const Plan& plan) {
  if (!plan.ok()) throw std::logic_error("dm tables asked of a plan that has problems");
}

// [start, end) as it was: plaintext at the same device sectors.
void add_plaintext(DmTable& table, std::uint64_t start_sectors, std::uint64_t end_sectors,
                   const PlanDevices& devices) {
  if (end_sectors == start_sectors) return;
  table.targets.push_back(
      linear_target(start_sectors, end_sectors - start_sectors, devices.device, start_sectors));
}

// [start, end) moved: ciphertext at D + s, IV s.
void add_ciphertext(DmTable& table, std::uint64_t start_sectors, std::uint64_t end_sectors,
                    const Plan& plan, const PlanDevices& devices) {
  if (end_sectors == start_sectors) return;
  table.targets.push_back(crypt_target(start_sectors, end_sectors - start_sectors, devices.crypt,
                                       start_sectors, devices.device,
                                       plan.input.data_offset_sectors + start_sectors));
}

}  // namespace

DmTable crypt_full_table(const Plan& plan, const PlanDevices& devices) {
  require_ok(plan);
  DmTable table;
  // Whole encryption sectors only, as cryptsetup maps a device of odd size.
  const std::uint64_t sector_sectors = std::max<std::uint64_t>(1, devices.crypt.sector_bytes / kSectorBytes);
  const std::uint64_t area = plan.input.device_sectors - plan.input.data_offset_sectors;
  add_ciphertext(table, 0, area - area % sector_sectors, plan, devices);
  return table;
}

DmTable initial_table(const Plan& plan, const PlanDevices& devices) {
  require_ok(plan);
  DmTable table;
  add_plaintext(table, 0, plan.input.move_sectors, devices);
  return table;
}

DmTable table_for_step(const Plan& plan, std::uint64_t k, const PlanDevices& devices) {
  require_ok(plan);
  const Chunk chunk = plan.chunk(k);
  DmTable table;
  add_plaintext(table, 0, chunk.start_sectors, devices);
  table.targets.push_back(mirror_target(chunk.start_sectors, chunk.length_sectors,
                                        chunk.region_sectors,
                                        {{devices.device, chunk.start_sectors},
                                         {devices.crypt_full, chunk.start_sectors}}));
  add_ciphertext(table, chunk.end_sectors(), plan.input.move_sectors, plan, devices);
  return table;
}

DmTable table_after(const Plan& plan, std::uint64_t k, const PlanDevices& devices) {
  require_ok(plan);
  const Chunk chunk = plan.chunk(k);
  DmTable table;
  add_plaintext(table, 0, chunk.start_sectors, devices);
  add_ciphertext(table, chunk.start_sectors, plan.input.move_sectors, plan, devices);
  return table;
}

DmTable final_table(const Plan& plan, const PlanDevices& devices) {
  return crypt_full_table(plan, devices);
}

}  // namespace pv2luks
