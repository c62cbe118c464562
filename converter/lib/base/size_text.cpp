#include "base/size_text.h"

#include <sstream>

namespace pv2luks {

namespace {
constexpr std::uint64_t kKibBytes = 1024;
constexpr std::uint64_t kMibBytes = 1024 * kKibBytes;
}  // namespace

std::string size_text(std::uint64_t bytes) {
  std::ostringstream out;
  if (bytes % kMibBytes == 0) {
    out << bytes / kMibBytes << " MiB";
  } else if (bytes < kMibBytes && bytes % kKibBytes == 0) {
    out << bytes / kKibBytes << " KiB";
  } else if (bytes > kMibBytes) {
    out << static_cast<double>(bytes) / static_cast<double>(kMibBytes) << " MiB";
  } else {
    out << bytes << " bytes";
  }
  return out.str();
}

}  // namespace pv2luks
