// For unit tests: the message of the Error an action throws, "" when none.
#pragma once

#include <functional>
#include <string>

#include "base/error.h"

namespace pv2luks {

inline std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace pv2luks
