// Errors of pv2luks-harness. Each carries the exit code the command ends with,
// so main() has one place that reports and exits.
#pragma once

#include <stdexcept>
#include <string>

#include "base/error.h"

namespace harness {

inline constexpr int kExitFailure = 1;  // the thing checked failed, or a child failed
inline constexpr int kExitUsage = 2;    // bad command line or bad input; nothing was done
inline constexpr int kExitTimeout = 124;  // the guest did not finish in time
inline constexpr int kExitLab = 125;      // the lab itself broke (QEMU, guest boot)

class Error : public std::runtime_error {
 public:
  Error(const std::string& message, int exit_code = kExitFailure)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Fail(kExitUsage) << "bad disk spec '" << spec << "': " << why;
class Fail : public pv2luks::StreamFail<Error, int> {
 public:
  explicit Fail(int exit_code = kExitFailure) : StreamFail(exit_code) {}
  [[noreturn]] ~Fail() noexcept(false) = default;  // the base's destructor throws
};

// "<strerror(errno)>" for the current errno.
std::string errno_string();

}  // namespace harness
