// pv2luks-harness checksum: the sha256 of every LV of some VGs, read through
// device-mapper (in the lab guest), printed as the manifest's lv lines.
#pragma once

#include <string>
#include <vector>

namespace harness {

// The "lv <vg>/<lv> <sha256> <size_bytes>" lines of every LV of `vgs`, sorted.
// Activates each VG and makes its /dev nodes first unless `activate` is false.
// An unknown VG is Error(kExitUsage).
std::vector<std::string> checksum_vgs(const std::vector<std::string>& vgs, bool activate);

}  // namespace harness
