// ConvertResult values the conversions and resumes return.
#pragma once

#include <string>

#include "base/error.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

inline ConvertResult result_of(ConvertStatus status, std::string message) {
  ConvertResult result;
  result.status = status;
  result.message = std::move(message);
  return result;
}

// Nothing was written; `message` says why.
inline ConvertResult refused(std::string message, RefuseReason reason = RefuseReason::kOther) {
  ConvertResult result = result_of(ConvertStatus::kRefused, std::move(message));
  result.reason = reason;
  return result;
}
// Refused on `e`: its message and its reason.
inline ConvertResult refused(const Error& e) { return refused(e.what(), e.reason()); }

}  // namespace pv2luks
