// Errors of libpv2luks. Messages carry their context at every hop, lvm2-style:
//   "<device>: <operation> failed: <reason>".
// Nothing ever formats key material into a message.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

// `reason` says, for a caller that refuses on this error, why (pv2luks.h):
// the places that detect a wrong passphrase, a missing permission, a busy or
// a wrong device set it; a message that wraps another error keeps its reason.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, RefuseReason reason = RefuseReason::kOther)
      : std::runtime_error(message), reason_(reason) {}
  RefuseReason reason() const { return reason_; }

 private:
  RefuseReason reason_;
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
// Fail(RefuseReason::kBusy) << path << " is in use ...";
// Fail(e.reason()) << path << ": " << e.what();  (a wrapped error keeps its reason)
class Fail : public StreamFail<Error, RefuseReason> {
 public:
  explicit Fail(RefuseReason reason = RefuseReason::kOther) : StreamFail(reason) {}
  [[noreturn]] ~Fail() noexcept(false) = default;  // the base's destructor throws
};

}  // namespace pv2luks
