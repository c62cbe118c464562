// Errors of pv2luks-harness. Each carries the exit code the command ends with,
// so main() has one place that reports and exits.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

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

// Builds a message as a stream and throws it when it goes out of scope:
//   Fail(kExitUsage) << "bad disk spec '" << spec << "': " << why;
class Fail {
 public:
  explicit Fail(int exit_code = kExitFailure) : exit_code_(exit_code) {}
  Fail(const Fail&) = delete;
  Fail& operator=(const Fail&) = delete;
  [[noreturn]] ~Fail() noexcept(false) { throw Error(out_.str(), exit_code_); }
  template <typename T>
  Fail& operator<<(const T& value) {
    out_ << value;
    return *this;
  }

 private:
  std::ostringstream out_;
  int exit_code_;
};

// "<strerror(errno)>" for the current errno.
std::string errno_string();

}  // namespace harness
