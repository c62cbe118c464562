#include "convert/pace.h"

#include <algorithm>
#include <thread>

namespace pv2luks {

std::chrono::nanoseconds pace_wait(std::uint64_t bytes, std::chrono::nanoseconds elapsed,
                                   std::uint64_t max_rate_bytes) {
  if (max_rate_bytes == 0) return std::chrono::nanoseconds(0);
  // The time `bytes` may take at the limit, in nanoseconds, without
  // overflowing for any disk: whole seconds first, then the rest.
  const std::uint64_t seconds = bytes / max_rate_bytes;
  const std::uint64_t rest_ns = (bytes % max_rate_bytes) * 1'000'000'000ULL / max_rate_bytes;
  const auto due = std::chrono::seconds(seconds) + std::chrono::nanoseconds(rest_ns);
  return std::max(std::chrono::nanoseconds(0), due - elapsed);
}

Pace::Pace(std::uint64_t max_rate_bytes)
    : max_rate_bytes_(max_rate_bytes), start_(std::chrono::steady_clock::now()) {}

void Pace::wait(std::uint64_t bytes, const std::function<bool()>& stop) const {
  constexpr auto kSlice = std::chrono::milliseconds(100);
  for (;;) {
    const auto left = pace_wait(bytes, std::chrono::steady_clock::now() - start_, max_rate_bytes_);
    if (left.count() == 0 || (stop && stop())) return;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(left, kSlice));
  }
}

}  // namespace pv2luks
