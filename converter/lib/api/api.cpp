// The public entry points of pv2luks.h for convert, resume and status: the
// one place that chooses the mode. Options that the chosen mode would not
// read are refused here, before either mode runs; the modes (live/,
// offline/) do not call each other.
#include "convert/result.h"
#include "convert/unused_options.h"
#include "live/live_mode.h"
#include "offline/offline_mode.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

ConvertResult convert_live(const ConvertOptions& options, const MessageFn& say,
                           const ProgressFn& progress) {
  if (const std::string unused = unused_option(options, Mode::kLive); !unused.empty()) {
    return refused(unused);
  }
  return live_convert(options, say, progress);
}

ConvertResult convert_offline(const ConvertOptions& options, const MessageFn& say,
                              const ProgressFn& progress) {
  if (const std::string unused = unused_option(options, Mode::kOffline); !unused.empty()) {
    return refused(unused);
  }
  return offline_convert(options, say, progress);
}

ConvertResult resume_conversion(const ResumeOptions& options, const MessageFn& say,
                                const ProgressFn& progress) {
  if (const std::string unused = unused_option(options); !unused.empty()) return refused(unused);
  return options.offline ? offline_resume(options, say, progress)
                         : live_resume(options, say, progress);
}

ConvertResult conversion_status(const std::string& device, const MessageFn& say) {
  return live_status(device, say);
}

ConvertResult offline_conversion_status(const std::string& image, std::uint32_t partition,
                                        const MessageFn& say) {
  return offline_status(image, partition, say);
}

}  // namespace pv2luks
