#include "plan/plan_text.h"

#include <sstream>

namespace pv2luks {

namespace {

void add_table(std::ostringstream& out, const std::string& phase, const std::string& device,
               const DmTable& table) {
  out << phase << ": " << device << "\n";
  std::istringstream lines(table.to_text(ShowKeys::no));
  for (std::string line; std::getline(lines, line);) out << "    " << line << "\n";
}

std::string chunk_text(const Chunk& chunk) {
  std::ostringstream out;
  out << "sectors " << chunk.start_sectors << "-" << chunk.end_sectors() << " ("
      << chunk.length_sectors << " sectors, mirror region " << chunk.region_sectors << ")";
  return out.str();
}

}  // namespace

std::string describe_plan(const Plan& plan, const PlanDevices& devices, const PlanNames& names) {
  std::ostringstream out;
  const std::uint64_t count = plan.chunk_count();
  out << "schedule: " << count << " chunk" << (count == 1 ? "" : "s") << " of "
      << plan.chunk_sectors << " sectors from the end; shift " << plan.input.data_offset_sectors
      << " sectors\n";
  out << "  first: chunk 0, " << chunk_text(plan.chunk(0)) << "\n";
  if (count > 1) out << "  last:  chunk " << count - 1 << ", " << chunk_text(plan.chunk(count - 1)) << "\n";
  add_table(out, "insert", names.crypt_full, crypt_full_table(plan, devices));
  add_table(out, "insert", names.intermediate, initial_table(plan, devices));
  add_table(out, "move chunk 0", names.intermediate, table_for_step(plan, 0, devices));
  if (count > 1) {
    add_table(out, "move chunk " + std::to_string(count - 1), names.intermediate,
              table_for_step(plan, count - 1, devices));
  }
  add_table(out, "finish", names.intermediate, final_table(plan, devices));
  return out.str();
}

}  // namespace pv2luks
