// The library's trace (pv2luks.h: set_log): off unless the caller set it.
#pragma once

#include <string>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

// Whether lines of `level` go anywhere; build costly lines only then.
bool log_enabled(LogLevel level);
// Hands `line` to the caller's log when `level` is on. Never a key.
void log_line(LogLevel level, const std::string& line);

}  // namespace pv2luks
