// base/log and set_log (pv2luks.h): the trace is off until the caller sets
// it, carries the levels asked for, and a refusal's reason survives a
// wrapping Fail.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "base/log.h"
#include "convert/result.h"

namespace pv2luks {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void TearDown() override { set_log(LogLevel::kQuiet, nullptr); }
  std::vector<std::string> lines_;
  MessageFn sink_ = [this](const std::string& line) { lines_.push_back(line); };
};

TEST_F(LogTest, OffUntilSet) {
  EXPECT_FALSE(log_enabled(LogLevel::kVerbose));
  log_line(LogLevel::kVerbose, "run: pvs");
  EXPECT_TRUE(lines_.empty());
}

TEST_F(LogTest, VerboseLeavesOutDebug) {
  set_log(LogLevel::kVerbose, sink_);
  log_line(LogLevel::kVerbose, "dm load vda_crypt");
  log_line(LogLevel::kDebug, "dm info vda_crypt");
  EXPECT_EQ(lines_, std::vector<std::string>{"dm load vda_crypt"});
  EXPECT_FALSE(log_enabled(LogLevel::kDebug));
}

TEST_F(LogTest, DebugHasBoth) {
  set_log(LogLevel::kDebug, sink_);
  log_line(LogLevel::kVerbose, "a");
  log_line(LogLevel::kDebug, "b");
  EXPECT_EQ(lines_, (std::vector<std::string>{"a", "b"}));
}

TEST_F(LogTest, NoSinkIsQuiet) {
  set_log(LogLevel::kDebug, nullptr);
  EXPECT_FALSE(log_enabled(LogLevel::kVerbose));
  log_line(LogLevel::kVerbose, "a");  // must not call an empty function
}

TEST(RefuseReason, SurvivesAWrappingFail) {
  try {
    try {
      Fail(RefuseReason::kBusy) << "disk.img is in use";
    } catch (const Error& e) {
      Fail(e.reason()) << "resume: " << e.what();
    }
  } catch (const Error& e) {
    const ConvertResult result = refused(e);
    EXPECT_EQ(result.status, ConvertStatus::kRefused);
    EXPECT_EQ(result.reason, RefuseReason::kBusy);
    EXPECT_EQ(result.message, "resume: disk.img is in use");
    return;
  }
  FAIL() << "no error";
}

TEST(RefuseReason, PlainFailIsOther) {
  try {
    Fail() << "x";
  } catch (const Error& e) {
    EXPECT_EQ(e.reason(), RefuseReason::kOther);
    return;
  }
  FAIL() << "no error";
}

}  // namespace
}  // namespace pv2luks
