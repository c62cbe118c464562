// The three load subcommands; load_command (load.h) dispatches to them.
// Each takes the words after "load start" (etc.) and returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace harness::load {

int start_command(const std::vector<std::string>& words);
int stop_command(const std::vector<std::string>& words);
int verify_command(const std::vector<std::string>& words);

}  // namespace harness::load
