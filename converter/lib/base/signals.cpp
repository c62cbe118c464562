#include "base/signals.h"

#include <pthread.h>

#include <initializer_list>
#include <vector>

namespace pv2luks {

namespace {

constexpr std::initializer_list<int> kDeferred = {SIGINT, SIGTERM, SIGHUP};

}  // namespace

SignalsDeferred::SignalsDeferred(bool active, std::function<void(int signal)> taken)
    : active_(active), taken_(std::move(taken)) {
  sigemptyset(&deferred_);
  sigemptyset(&before_);
  if (!active_) return;
  for (const int signal : kDeferred) sigaddset(&deferred_, signal);
  ::pthread_sigmask(SIG_BLOCK, &deferred_, &before_);
}

SignalsDeferred::~SignalsDeferred() {
  if (!active_) return;
  // Take what arrived, so restoring the mask does not end the process
  // before the caller has the run's result; then hand it on.
  std::vector<int> arrived;
  sigset_t pending;
  sigpending(&pending);
  for (const int signal : kDeferred) {
    if (sigismember(&pending, signal)) {
      sigset_t one;
      sigemptyset(&one);
      sigaddset(&one, signal);
      int got = 0;
      if (sigwait(&one, &got) == 0) arrived.push_back(got);
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &before_, nullptr);
  for (const int signal : arrived) {
    if (taken_) {
      taken_(signal);
    } else {
      ::raise(signal);  // the process's own disposition applies, as without deferral
    }
  }
}

bool SignalsDeferred::stop_requested() const {
  if (!active_) return false;
  sigset_t pending;
  sigpending(&pending);
  for (const int signal : kDeferred) {
    if (sigismember(&pending, signal)) return true;
  }
  return false;
}

}  // namespace pv2luks
