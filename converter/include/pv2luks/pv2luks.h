// libpv2luks: the one public header.
//
// pv2luks converts an LVM physical volume into LVM-on-LUKS in place. All logic
// lives in the library behind this header; the pv2luks CLI is a thin table of
// actions over it.
#pragma once

#include <string_view>

namespace pv2luks {

// The library's version, "MAJOR.MINOR.PATCH".
std::string_view version();

}  // namespace pv2luks
