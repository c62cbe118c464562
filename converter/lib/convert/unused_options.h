// Options that the chosen mode (live or --offline) does not use are
// refused, never silently ignored: a user who asked for the crypttab to be
// updated must not find it untouched after an offline conversion. Named as
// the CLI names them. Pure.
#pragma once

#include <string>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

// "" or the first option the mode does not use, and what to do instead.
std::string unused_option(const ConvertOptions& options);
std::string unused_option(const ResumeOptions& options);

}  // namespace pv2luks
