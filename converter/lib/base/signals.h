// SIGINT, SIGTERM and SIGHUP during the move: held back, and asked for
// between chunks, so the chunk in flight is committed before pv2luks stops.
#pragma once

#include <signal.h>

namespace pv2luks {

class SignalsDeferred {
 public:
  SignalsDeferred();
  ~SignalsDeferred();
  SignalsDeferred(const SignalsDeferred&) = delete;
  SignalsDeferred& operator=(const SignalsDeferred&) = delete;

  // True once one of them is pending (it stays pending until the destructor
  // restores the mask; the caller exits through its own path instead).
  bool stop_requested() const;

 private:
  sigset_t deferred_;
  sigset_t before_;
};

}  // namespace pv2luks
