// The sha256 of every LV of a PV read from its bytes (lvm/pv_metadata), in
// the lines the harness's manifest and `pv2luks-harness checksum` print, so
// the two compare directly:
//   lv <vg>/<lv> <sha256> <size_bytes>
// LVs that cannot be read from this PV alone are listed with the reason:
//   skip <vg>/<lv> <reason>
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/read_at.h"
#include "lvm/pv_metadata.h"

namespace pv2luks {

struct LvChecksum {
  std::string vg;
  std::string lv;
  std::string sha256;  // 64 hex digits; "" when skipped
  std::uint64_t size_bytes = 0;
  std::string skip_reason;
};

// Reads each LV's bytes in logical-extent order, in blocks of at most
// kChecksumBlockBytes (memory does not grow with the LVs). Sorted by vg/lv.
std::vector<LvChecksum> checksum_lvs(const ReadAt& read, const PvOnDisk& pv);

inline constexpr std::uint64_t kChecksumBlockBytes = std::uint64_t{4} << 20;

// "lv <vg>/<lv> <sha256> <size_bytes>", or "skip <vg>/<lv> <reason>".
std::string lv_checksum_line(const LvChecksum& checksum);

}  // namespace pv2luks
