// The live mode's entry points, below the public dispatch (api/api.cpp),
// which has refused options that do not apply before calling them.
#pragma once

#include <string>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

// live/live_convert.cpp
ConvertResult live_convert(const ConvertOptions& options, const MessageFn& say,
                           const ProgressFn& progress);

// live/resume.cpp
ConvertResult live_resume(const ResumeOptions& options, const MessageFn& say,
                          const ProgressFn& progress);
ConvertResult live_status(const std::string& device, const MessageFn& say);

}  // namespace pv2luks
