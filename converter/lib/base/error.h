// Errors of libpv2luks. Messages carry their context at every hop, lvm2-style:
//   "<device>: <operation> failed: <reason>".
// Nothing ever formats key material into a message.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace pv2luks {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Builds a message as a stream and throws it when it goes out of scope:
//   Fail() << name << ": resume failed: " << why;
class Fail {
 public:
  Fail() = default;
  Fail(const Fail&) = delete;
  Fail& operator=(const Fail&) = delete;
  [[noreturn]] ~Fail() noexcept(false) { throw Error(out_.str()); }
  template <typename T>
  Fail& operator<<(const T& value) {
    out_ << value;
    return *this;
  }

 private:
  std::ostringstream out_;
};

}  // namespace pv2luks
