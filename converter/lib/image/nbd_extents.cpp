#include "image/nbd_extents.h"

#include <algorithm>

namespace pv2luks {

namespace {
constexpr std::uint32_t kStateHole = 1;  // NBD_STATE_HOLE of base:allocation
}

std::uint64_t add_allocated_extents(std::vector<ByteExtent>& allocated, std::uint64_t offset,
                                    std::span<const std::uint32_t> words,
                                    std::uint64_t end_bytes) {
  std::uint64_t at = offset;
  // A reply that starts before what is already known, or after the end,
  // adds nothing; the caller asked from where it stands.
  if (!allocated.empty() && at < allocated.back().end_bytes()) return at;
  for (std::size_t i = 0; i + 1 < words.size() && at < end_bytes; i += 2) {
    const std::uint64_t end = std::min<std::uint64_t>(at + words[i], end_bytes);
    if ((words[i + 1] & kStateHole) == 0 && end > at) {
      if (!allocated.empty() && allocated.back().end_bytes() == at) {
        allocated.back().length_bytes += end - at;
      } else {
        allocated.push_back({at, end - at});
      }
    }
    at = end;
  }
  return std::max(at, offset);
}

}  // namespace pv2luks
