#include "convert/run_stop.h"

namespace pv2luks {

RunStop::RunStop(const ProcessPolicy& policy, const ProgressFn& progress)
    : signals_(policy.defer_signals, policy.deferred_signal),
      progress_([this, progress](const Progress& now) {
        const ProgressReply reply = progress(now);
        if (reply == ProgressReply::kStop) asked_ = true;
        return reply;
      }) {}

std::string RunStop::stopped_by() const {
  return signals_.stop_requested() ? "stopped by a signal"
                                   : "stopped at the progress callback's request";
}

}  // namespace pv2luks
