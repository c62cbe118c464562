// pv2luks-harness load start|stop|verify: the load generator and its
// independent record of acknowledged writes.
#pragma once

#include <string>
#include <vector>

namespace harness {

// `words` are the command-line words after "load". Returns the exit code.
int load_command(const std::vector<std::string>& words);

}  // namespace harness
