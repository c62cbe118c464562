// --max-rate: the move's average rate held at or under a limit, so the
// foreground I/O of a live system keeps most of the disk. The chunk loop
// waits before each chunk until the bytes moved so far in this run average
// no more than the limit since the run's first chunk began. A chunk itself
// still runs at the disk's speed; the wait between chunks is what gives the
// disk back. Waiting is done in short slices that ask stop(), so a signal
// or the progress callback's kStop still stops the run promptly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace pv2luks {

// How much longer to wait before more is moved, when `bytes` were moved in
// `elapsed` and the limit is `max_rate_bytes` per second (0: no limit, no
// wait). Pure.
std::chrono::nanoseconds pace_wait(std::uint64_t bytes, std::chrono::nanoseconds elapsed,
                                   std::uint64_t max_rate_bytes);

class Pace {
 public:
  // The clock starts now. `max_rate_bytes` per second; 0: no limit.
  explicit Pace(std::uint64_t max_rate_bytes);

  // Returns once `bytes` (moved since construction) average at most the
  // limit, or as soon as stop() says true (asked at least every 100 ms).
  void wait(std::uint64_t bytes, const std::function<bool()>& stop) const;

 private:
  std::uint64_t max_rate_bytes_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace pv2luks
