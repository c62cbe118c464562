// --max-rate's pacing (converter/lib/convert/pace.h): how long the chunk
// loop waits, and that a stop request cuts the wait short.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "convert/pace.h"

namespace pv2luks {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr std::uint64_t kMiB = 1024 * 1024;

TEST(Pace, NoLimitNeverWaits) {
  EXPECT_EQ(pace_wait(1024 * kMiB, nanoseconds(0), 0), nanoseconds(0));
}

TEST(Pace, WaitsUntilTheBytesAverageTheLimit) {
  // 32 MiB at 8 MiB/s take 4 s; 1 s has passed: 3 s more.
  EXPECT_EQ(pace_wait(32 * kMiB, seconds(1), 8 * kMiB), seconds(3));
  // A fraction of a second: 12 MiB at 8 MiB/s is 1.5 s.
  EXPECT_EQ(pace_wait(12 * kMiB, milliseconds(500), 8 * kMiB), seconds(1));
}

TEST(Pace, SlowerThanTheLimitDoesNotWait) {
  EXPECT_EQ(pace_wait(32 * kMiB, seconds(5), 8 * kMiB), nanoseconds(0));
  EXPECT_EQ(pace_wait(0, nanoseconds(0), 8 * kMiB), nanoseconds(0));
}

TEST(Pace, HugeCountsDoNotOverflow) {
  // 16 EiB at 1 byte/s: 585 billion years, more than the nanoseconds hold:
  // the wait saturates instead of wrapping to nothing.
  EXPECT_EQ(pace_wait(UINT64_MAX, nanoseconds(0), 1), nanoseconds::max());
  // A rate of 64 GiB/s: (bytes % rate) * 1e9 would overflow 64 bits.
  constexpr std::uint64_t kRate = 64ULL << 30;
  EXPECT_EQ(pace_wait(kRate + kRate / 2, nanoseconds(0), kRate), milliseconds(1500));
}

TEST(Pace, WaitReturnsOnceTheRateAllows) {
  const Pace pace(10 * kMiB);  // 1 MiB takes 100 ms
  const auto before = std::chrono::steady_clock::now();
  pace.wait(kMiB, nullptr);
  EXPECT_GE(std::chrono::steady_clock::now() - before, milliseconds(99));
}

TEST(Pace, StopCutsTheWaitShort) {
  const Pace pace(1);  // 1 byte/s: a GiB would take 34 years
  int asked = 0;
  pace.wait(1024 * kMiB, [&] { return ++asked == 3; });
  EXPECT_EQ(asked, 3);
}

}  // namespace
}  // namespace pv2luks
