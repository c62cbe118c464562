#include "common/error.h"

#include <cerrno>
#include <cstring>

namespace harness {

std::string errno_string() { return std::strerror(errno); }

}  // namespace harness
