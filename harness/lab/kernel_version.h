// Kernel versions in version order (as `sort -V` and dpkg order them): the
// newest of /boot/vmlinuz-6.1.0-9 and 6.1.0-57 is 6.1.0-57, and 6.10 is newer
// than 6.9. String order gets both wrong.
#pragma once

#include <string>
#include <vector>

#include "base/version_order.h"

namespace harness {

using pv2luks::version_less;  // base/version_order.h

// The newest of `versions`; empty when there are none.
std::string newest_version(const std::vector<std::string>& versions);

}  // namespace harness
