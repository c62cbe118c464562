// Kernel versions in version order (as `sort -V` and dpkg order them): the
// newest of /boot/vmlinuz-6.1.0-9 and 6.1.0-57 is 6.1.0-57, and 6.10 is newer
// than 6.9. String order gets both wrong.
#pragma once

#include <string>
#include <vector>

namespace harness {

// True when `a` sorts before `b`: runs of digits compare as numbers, other
// characters as bytes, and a version that is a prefix of the other is older.
bool version_less(const std::string& a, const std::string& b);

// The newest of `versions`; empty when there are none.
std::string newest_version(const std::vector<std::string>& versions);

}  // namespace harness
