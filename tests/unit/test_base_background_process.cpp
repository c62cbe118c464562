// base/process BackgroundProcess: start, log, stop with SIGTERM, SIGKILL
// after the grace time, a session of its own, and no signals blocked in the
// child even when the starting thread holds them back (as pv2luks does during
// a move).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/process.h"

namespace pv2luks {
namespace {

using std::chrono::milliseconds;

class Background : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/pv2luks-unit-bg-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    log_ = dir_ + "/log";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string log_text() const {
    std::ifstream in(log_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static void wait_exit(BackgroundProcess& process) {
    for (int i = 0; i < 500 && process.running(); ++i) std::this_thread::sleep_for(milliseconds(10));
  }

  std::string dir_;
  std::string log_;
};

TEST_F(Background, ExitCodeAndBothStreamsInTheLog) {
  BackgroundProcess process({"sh", "-c", "echo out; echo err >&2; exit 3"}, log_);
  EXPECT_GT(process.pid(), 0);
  wait_exit(process);
  EXPECT_FALSE(process.running());
  EXPECT_EQ(process.exit_status(), 3);
  EXPECT_EQ(process.stop(milliseconds(0)), 3);  // already ended: nothing to stop
  EXPECT_EQ(log_text(), "out\nerr\n");
}

// A session of its own: a terminal's Ctrl-C (SIGINT to our process group)
// does not reach it; pv2luks stops it itself.
TEST_F(Background, RunsInASessionOfItsOwn) {
  BackgroundProcess process({"sh", "-c", "echo $$ $(ps -o sid= -p $$) $(ps -o pgid= -p $$)"},
                            log_);
  wait_exit(process);
  EXPECT_EQ(process.exit_status(), 0);
  std::istringstream fields(log_text());
  long pid = 0, sid = 0, pgid = 0;
  fields >> pid >> sid >> pgid;
  EXPECT_EQ(pid, process.pid());
  EXPECT_EQ(sid, pid) << log_text();
  EXPECT_EQ(pgid, pid) << log_text();
  EXPECT_NE(pgid, ::getpgrp());
}

TEST_F(Background, StopSendsSigterm) {
  BackgroundProcess process({"sleep", "30"}, log_);
  EXPECT_TRUE(process.running());
  EXPECT_EQ(process.stop(milliseconds(5000)), 128 + SIGTERM);
  EXPECT_FALSE(process.running());
}

// qemu-storage-daemon can miss the first SIGTERM (process.h); this child
// exits only on its second one. Without the repeat it is SIGKILLed at the
// end of the grace.
TEST_F(Background, StopRepeatsSigtermUntilItEnds) {
  BackgroundProcess process(
      {"sh", "-c", "n=0; trap 'n=$((n+1)); [ $n -ge 2 ] && exit 7' TERM; echo armed; "
                   "while :; do sleep 0.02; done"},
      log_);
  for (int i = 0; i < 500 && log_text().empty(); ++i) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(process.stop(milliseconds(5000)), 7);
}

TEST_F(Background, StopKillsWhatIgnoresSigterm) {
  BackgroundProcess process({"sh", "-c", "trap '' TERM; echo armed; while :; do sleep 1; done"},
                            log_);
  for (int i = 0; i < 500 && log_text().empty(); ++i) std::this_thread::sleep_for(milliseconds(10));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(process.stop(milliseconds(300)), 128 + SIGKILL);
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(300));
}

TEST_F(Background, ChildStartsWithNoSignalsBlocked) {
  sigset_t term, before;
  ::sigemptyset(&term);
  ::sigaddset(&term, SIGTERM);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &term, &before), 0);
  BackgroundProcess process({"sleep", "30"}, log_);
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  EXPECT_EQ(process.stop(milliseconds(5000)), 128 + SIGTERM);
}

TEST_F(Background, DestructorKillsAndReaps) {
  int pid = 0;
  {
    BackgroundProcess process({"sleep", "30"}, log_);
    pid = process.pid();
    EXPECT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_NE(::kill(pid, 0), 0);  // gone, zombie reaped
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(Background, MissingProgramIsNamed) {
  try {
    BackgroundProcess process({"pv2luks-no-such-program"}, log_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot run pv2luks-no-such-program: not found on PATH");
  }
}

}  // namespace
}  // namespace pv2luks
