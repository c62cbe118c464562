#include "lab/kernel_version.h"

#include <algorithm>

namespace harness {

std::string newest_version(const std::vector<std::string>& versions) {
  if (versions.empty()) return "";
  return *std::max_element(versions.begin(), versions.end(), version_less);
}

}  // namespace harness
