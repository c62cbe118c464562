// Errors of libpv2luks. Messages carry their context at every hop, lvm2-style:
//   "<device>: <operation> failed: <reason>".
// Nothing ever formats key material into a message.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>

namespace pv2luks {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Builds a message as a stream and throws it as an ErrorType (constructed from
// the message and `extra`) when it goes out of scope.
template <typename ErrorType, typename... Extra>
class StreamFail {
 public:
  explicit StreamFail(Extra... extra) : extra_(extra...) {}
  StreamFail(const StreamFail&) = delete;
  StreamFail& operator=(const StreamFail&) = delete;
  [[noreturn]] ~StreamFail() noexcept(false) {
    throw std::make_from_tuple<ErrorType>(std::tuple_cat(std::make_tuple(out_.str()), extra_));
  }
  template <typename T>
  StreamFail& operator<<(const T& value) {
    out_ << value;
    return *this;
  }

 private:
  std::ostringstream out_;
  std::tuple<Extra...> extra_;
};

// Fail() << name << ": resume failed: " << why;
using Fail = StreamFail<Error>;

}  // namespace pv2luks
