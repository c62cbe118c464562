// Options that the chosen mode (live or --offline) does not use are
// refused, never silently ignored: a user who asked for the crypttab to be
// updated must not find it untouched after an offline conversion. Named as
// the CLI names them; the library's own fields (ConvertOptions::offline,
// ProcessPolicy) as pv2luks.h names them. The process policy is checked
// here too: a live run that suspends devices needs lock_memory. Pure.
#pragma once

#include <string>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

// The conversion a public entry point runs: convert_live or convert_offline.
enum class Mode { kLive, kOffline };

// "" or the first option `entry` does not use (or, for a live run, the
// policy it lacks), and what to do instead.
std::string unused_option(const ConvertOptions& options, Mode entry);
// unused_option(const ConvertOptions&) and unused_option(const
// ResumeOptions&), for the mode options.offline names, are public
// (pv2luks.h).
// flatten_vg and unflatten_vg.
std::string unused_option(const FlattenOptions& options);

}  // namespace pv2luks
