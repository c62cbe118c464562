// What stops a conversion or resume between chunks: a deferred signal
// (ProcessPolicy::defer_signals) or the progress callback's kStop. Made at
// the run's first write and kept until it returns: the movers get
// progress() and requested(), the stopped result says stopped_by().
#pragma once

#include <string>

#include "base/signals.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

class RunStop {
 public:
  RunStop(const ProcessPolicy& policy, const ProgressFn& progress);
  RunStop(const RunStop&) = delete;
  RunStop& operator=(const RunStop&) = delete;

  // The caller's callback (none: always kContinue), its kStop remembered.
  const ProgressFn& progress() const { return progress_; }
  // The movers' stop predicate, asked between chunks.
  bool requested() const { return asked_ || signals_.stop_requested(); }
  // "stopped by a signal" or "stopped at the progress callback's request".
  std::string stopped_by() const;

 private:
  SignalsDeferred signals_;
  mutable bool asked_ = false;  // set through progress_, of a const RunStop too
  ProgressFn progress_;
};

}  // namespace pv2luks
