// Child processes of the harness: libpv2luks's Boost.Process runner. Its
// errors are pv2luks::Error, which main() reports like a failure (exit 1).
#pragma once

#include "base/process.h"

namespace harness {

using pv2luks::command_line;
using pv2luks::find_program;
using pv2luks::ProcessResult;
using pv2luks::run_checked;
using pv2luks::run_process;

}  // namespace harness
