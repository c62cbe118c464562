// Signal deferral (base/signals.h) never loses a signal: one that arrived
// while deferred goes to the caller's function, or is raised again once the
// mask is restored. Inactive, it touches no signal.
#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

#include "base/signals.h"

namespace pv2luks {
namespace {

volatile sig_atomic_t handled = 0;

// SIGTERM handled by a recorder while the test runs (its default would end
// the test binary).
class SigtermRecorded {
 public:
  SigtermRecorded() {
    handled = 0;
    struct sigaction action {};
    action.sa_handler = [](int signal) { handled = signal; };
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, &before_);
  }
  ~SigtermRecorded() { sigaction(SIGTERM, &before_, nullptr); }

 private:
  struct sigaction before_ {};
};

bool sigterm_blocked() {
  sigset_t now;
  pthread_sigmask(SIG_SETMASK, nullptr, &now);
  return sigismember(&now, SIGTERM);
}

TEST(SignalsDeferred, ATakenSignalGoesToTheCaller) {
  const SigtermRecorded recorder;
  std::vector<int> taken;
  {
    const SignalsDeferred deferred(true, [&](int signal) { taken.push_back(signal); });
    EXPECT_TRUE(sigterm_blocked());
    EXPECT_FALSE(deferred.stop_requested());
    raise(SIGTERM);
    EXPECT_TRUE(deferred.stop_requested());
    EXPECT_EQ(handled, 0);
  }
  EXPECT_FALSE(sigterm_blocked());
  EXPECT_EQ(taken, std::vector<int>{SIGTERM});
  EXPECT_EQ(handled, 0);  // taken, not delivered as well
}

TEST(SignalsDeferred, WithoutACallerFunctionTheSignalIsRaisedAgain) {
  const SigtermRecorded recorder;
  {
    const SignalsDeferred deferred(true, nullptr);
    raise(SIGTERM);
    EXPECT_EQ(handled, 0);
  }
  EXPECT_EQ(handled, SIGTERM);
}

TEST(SignalsDeferred, InactiveTouchesNoSignal) {
  const SigtermRecorded recorder;
  const SignalsDeferred deferred(false, nullptr);
  EXPECT_FALSE(sigterm_blocked());
  raise(SIGTERM);
  EXPECT_EQ(handled, SIGTERM);  // delivered at once
  EXPECT_FALSE(deferred.stop_requested());
}

}  // namespace
}  // namespace pv2luks
