// Versions in version order, as `sort -V` and dpkg order kernel versions:
// 6.1.0-9 before 6.1.0-57, 6.9 before 6.10. String order gets both wrong.
#pragma once

#include <string>

namespace pv2luks {

// True when `a` sorts before `b`: runs of digits compare as numbers (any
// length, leading zeros ignored), other characters as bytes, and a version
// that is a prefix of the other is older.
bool version_less(const std::string& a, const std::string& b);

}  // namespace pv2luks
