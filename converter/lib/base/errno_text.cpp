#include "base/errno_text.h"

#include <cstring>

namespace pv2luks {

std::string errno_text(int error_number) {
  char buffer[256];
  // GNU strerror_r: returns the message, which may or may not live in buffer.
  return strerror_r(error_number, buffer, sizeof(buffer));
}

}  // namespace pv2luks
