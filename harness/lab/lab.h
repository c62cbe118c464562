// pv2luks-harness lab run: boot the guest, run a script, stream its output.
#pragma once

#include <string>
#include <vector>

namespace harness {

// `words` after "lab run". Returns the script's exit code, or a harness code.
int lab_run_command(const std::vector<std::string>& words);

}  // namespace harness
