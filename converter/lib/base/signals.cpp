#include "base/signals.h"

#include <pthread.h>

#include <initializer_list>

namespace pv2luks {

SignalsDeferred::SignalsDeferred() {
  sigemptyset(&deferred_);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&deferred_, signal);
  ::pthread_sigmask(SIG_BLOCK, &deferred_, &before_);
}

SignalsDeferred::~SignalsDeferred() {
  // Consume what arrived, so restoring the mask does not kill the process
  // after it has committed and reported.
  sigset_t pending;
  sigpending(&pending);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    if (sigismember(&pending, signal)) {
      sigset_t one;
      sigemptyset(&one);
      sigaddset(&one, signal);
      int got = 0;
      sigwait(&one, &got);
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &before_, nullptr);
}

bool SignalsDeferred::stop_requested() const {
  sigset_t pending;
  sigpending(&pending);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    if (sigismember(&pending, signal)) return true;
  }
  return false;
}

}  // namespace pv2luks
