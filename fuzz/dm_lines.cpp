// dm/dm_table, flatten/layer_parse and live/mirror_sync: device-mapper
// table and status lines as the kernel reports them and pv2luks reads them
// back: a crypt or linear target's parameters (parse_crypt_target,
// parse_linear_target), key bytes redacted from a crypt table line
// (redact_key_bytes), a mirror's status (parse_mirror_status), and the VG
// in an LV's dm name (vg_of_dm_name).
//
// Input: lines "TYPE PARAMS..." (as `dmsetup table` and `dmsetup status`
// print them after the start and length).
#include <sstream>

#include "dm/dm_table.h"
#include "flatten/layer_parse.h"
#include "fuzz_glue.h"
#include "live/mirror_sync.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

namespace {

void check_line(const std::string& line) {
  const std::size_t space = line.find(' ');
  dm::KernelTarget target{0, 8, line.substr(0, space),
                          space == std::string::npos ? "" : line.substr(space + 1)};
  std::string problem;
  if (const auto crypt = parse_crypt_target(target, problem)) {
    require(problem.empty(), "a crypt target with a problem");
  } else {
    require(!problem.empty(), "no crypt target and no problem");
  }
  problem.clear();
  if (parse_linear_target(target, problem)) require(problem.empty(), "a linear target with a problem");
  parse_mirror_status(target.params);
  vg_of_dm_name(line);

  const auto [at, size_bytes] = crypt_key_field(target.params);
  require(at + size_bytes <= target.params.size(), "a key field past the parameters");
  redact_key_bytes(target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream lines(text_of({data, size}));
  for (std::string line; std::getline(lines, line);) check_line(line);
  return 0;
}
