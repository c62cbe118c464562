#include "convert/pace.h"

#include <algorithm>
#include <limits>
#include <thread>

namespace pv2luks {

std::chrono::nanoseconds pace_wait(std::uint64_t bytes, std::chrono::nanoseconds elapsed,
                                   std::uint64_t max_rate_bytes) {
  using Ns = std::chrono::nanoseconds;
  if (max_rate_bytes == 0) return Ns(0);
  // In long double: bytes * 1e9 overflows 64 bits from 18 GB on, and a huge
  // count at a tiny rate would overflow the nanoseconds; the wait saturates.
  const long double left = static_cast<long double>(bytes) * 1e9L / max_rate_bytes -
                           static_cast<long double>(elapsed.count());
  if (left <= 0) return Ns(0);
  constexpr Ns::rep kLongest = std::numeric_limits<Ns::rep>::max();
  return Ns(left >= static_cast<long double>(kLongest) ? kLongest : static_cast<Ns::rep>(left));
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
