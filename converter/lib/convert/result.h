// ConvertResult values the conversions and resumes return.
#pragma once

#include <string>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

inline ConvertResult result_of(ConvertStatus status, std::string message) {
  ConvertResult result;
  result.status = status;
  result.message = std::move(message);
  return result;
}

// Nothing was written; `message` says why.
inline ConvertResult refused(std::string message) {
  return result_of(ConvertStatus::kRefused, std::move(message));
}

}  // namespace pv2luks
