// The progress callback (pv2luks.h, ProgressFn) may return nothing, as it
// did before it could stop a run, or a ProgressReply; RunStop
// (convert/run_stop.h) turns a kStop into the movers' stop predicate.
#include <gtest/gtest.h>

#include <functional>

#include "convert/run_stop.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {
namespace {

TEST(ProgressFn, VoidCallbacksStillCompileAndContinue) {
  int calls = 0;
  const ProgressFn progress = [&](const Progress&) { ++calls; };
  EXPECT_EQ(progress(Progress{}), ProgressReply::kContinue);
  EXPECT_EQ(calls, 1);
  const std::function<void(const Progress&)> old = [&](const Progress&) { ++calls; };
  EXPECT_EQ(ProgressFn(old)(Progress{}), ProgressReply::kContinue);
  EXPECT_EQ(calls, 2);
}

TEST(ProgressFn, EmptyContinues) {
  EXPECT_FALSE(ProgressFn{});
  EXPECT_FALSE(ProgressFn(nullptr));
  EXPECT_EQ(ProgressFn{}(Progress{}), ProgressReply::kContinue);
}

TEST(RunStop, AKStopReplyStopsTheRun) {
  const ProgressFn progress = [](const Progress& now) {
    return now.chunks_done >= 1 ? ProgressReply::kStop : ProgressReply::kContinue;
  };
  const RunStop stop(ProcessPolicy{}, progress);
  EXPECT_FALSE(stop.requested());
  Progress now;
  EXPECT_EQ(stop.progress()(now), ProgressReply::kContinue);
  EXPECT_FALSE(stop.requested());
  now.chunks_done = 1;
  EXPECT_EQ(stop.progress()(now), ProgressReply::kStop);
  EXPECT_TRUE(stop.requested());
  EXPECT_EQ(stop.stopped_by(), "stopped at the progress callback's request");
}

TEST(RunStop, NoCallbackNeverStops) {
  const RunStop stop(ProcessPolicy{}, ProgressFn{});
  EXPECT_EQ(stop.progress()(Progress{}), ProgressReply::kContinue);
  EXPECT_FALSE(stop.requested());
}

}  // namespace
}  // namespace pv2luks
