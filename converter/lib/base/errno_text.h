// errno text for messages. Errors themselves are the library's
// (base/error.h: Error, Fail), with context "<path>: <op> failed: <strerror>".
// Nothing in this module ever formats key material into a message.
#pragma once

#include <string>

#include "base/error.h"

namespace pv2luks {

// strerror(error_number), thread-safe (strerror_r).
std::string errno_text(int error_number);

}  // namespace pv2luks
