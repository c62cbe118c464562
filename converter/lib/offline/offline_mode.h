// The offline mode's entry points, below the public dispatch (api/api.cpp),
// which has refused options that do not apply before calling them.
#pragma once

#include <cstdint>
#include <string>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

// offline/offline_convert.cpp
ConvertResult offline_convert(const ConvertOptions& options, const MessageFn& say,
                              const ProgressFn& progress);

// offline/offline_resume.cpp
ConvertResult offline_resume(const ResumeOptions& options, const MessageFn& say,
                             const ProgressFn& progress);
ConvertResult offline_status(const std::string& image, std::uint32_t partition,
                             const MessageFn& say);

}  // namespace pv2luks
