// For unit tests: the VmFlags ("rd wr mr mw me lo dd ...") of the mapping
// that holds an address, from /proc/self/smaps; "" when none does. Each flag
// is followed by a space, so " lo " finds mlock and " dd " MADV_DONTDUMP.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace pv2luks {

inline std::string vm_flags_holding(const void* address) {
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    const std::size_t dash = line.find('-');
    const std::size_t space = line.find(' ');
    if (dash != std::string::npos && space != std::string::npos && dash < space &&
        line.find_first_not_of("0123456789abcdef") == dash) {
      const std::uintptr_t start = std::stoul(line.substr(0, dash), nullptr, 16);
      const std::uintptr_t end = std::stoul(line.substr(dash + 1, space - dash - 1), nullptr, 16);
      inside = start <= at && at < end;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line.substr(8) + " ";
  }
  return "";
}

}  // namespace pv2luks
