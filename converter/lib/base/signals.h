// SIGINT, SIGTERM and SIGHUP during the move, when the caller asked for it
// (ProcessPolicy::defer_signals, pv2luks.h): held back, and asked for
// between chunks, so the chunk in flight is committed before the run stops.
// Never lost: once the mask is restored, each one that arrived goes to the
// caller's `taken` function, or is raised again.
#pragma once

#include <signal.h>

#include <functional>

namespace pv2luks {

class SignalsDeferred {
 public:
  // `active` false: touches no signal, and stop_requested() is false.
  SignalsDeferred(bool active, std::function<void(int signal)> taken);
  ~SignalsDeferred();
  SignalsDeferred(const SignalsDeferred&) = delete;
  SignalsDeferred& operator=(const SignalsDeferred&) = delete;

  // True once one of them is pending (it stays pending until the destructor
  // restores the mask; the caller exits through its own path instead).
  bool stop_requested() const;

 private:
  bool active_;
  std::function<void(int signal)> taken_;
  sigset_t deferred_;
  sigset_t before_;
};

}  // namespace pv2luks
