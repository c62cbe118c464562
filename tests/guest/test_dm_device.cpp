// Runs INSIDE the lab guest (tests/lab/test_dm_device.py starts it there):
// libdevmapper in-process against a real kernel. PV2LUKS_TEST_DISK names a
// scratch disk of at least 16 MiB that the tests may overwrite.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "base/error.h"
#include "dm/dm_device.h"

namespace pv2luks::dm {
namespace {

std::string disk() {
  const char* path = std::getenv("PV2LUKS_TEST_DISK");
  return path ? path : "";
}

dev_t disk_dev() {
  struct stat st {};
  if (::stat(disk().c_str(), &st) != 0) return 0;
  return st.st_rdev;
}

class DmDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    if (disk().empty()) GTEST_SKIP() << "PV2LUKS_TEST_DISK is not set (run in the lab guest)";
  }
  void TearDown() override {
    for (const char* name : {"pv2luks-test-a", "pv2luks-test-m"}) {
      try {
        if (info(name).exists) remove(name);
      } catch (const Error&) {
      }
    }
  }
};

TEST_F(DmDevice, CreateLoadResumeRemove) {
  create("pv2luks-test-a", "PV2LUKS-TEST-a", {{0, 2048, "linear", disk() + " 0"}});
  DeviceInfo created = info("pv2luks-test-a");
  ASSERT_TRUE(created.exists);
  EXPECT_TRUE(created.live_table);
  EXPECT_EQ(created.target_count, 1u);
  auto live = table("pv2luks-test-a");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].type, "linear");
  EXPECT_EQ(live[0].length_sectors, 2048u);

  load("pv2luks-test-a", {{0, 1024, "linear", disk() + " 0"}, {1024, 1024, "linear", disk() + " 4096"}});
  EXPECT_TRUE(info("pv2luks-test-a").inactive_table);
  EXPECT_EQ(table("pv2luks-test-a").size(), 1u) << "a loaded table must not be live before resume";
  suspend("pv2luks-test-a");
  EXPECT_TRUE(info("pv2luks-test-a").suspended);
  resume("pv2luks-test-a");
  EXPECT_FALSE(info("pv2luks-test-a").suspended);
  live = table("pv2luks-test-a");
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[1].start_sectors, 1024u);

  remove("pv2luks-test-a");
  EXPECT_FALSE(info("pv2luks-test-a").exists);
}

TEST_F(DmDevice, HoldersOfADiskIncludeItsMappings) {
  create("pv2luks-test-a", "", {{0, 2048, "linear", disk() + " 0"}});
  const auto holders = holders_of(disk_dev());
  EXPECT_NE(std::find(holders.begin(), holders.end(), "pv2luks-test-a"), holders.end());
}

TEST_F(DmDevice, BadTablesAreRefusedWithTheDeviceNamed) {
  try {
    create("pv2luks-test-a", "", {{0, 2048, "linear", "/dev/does-not-exist 0"}});
    FAIL() << "a table onto a missing device was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pv2luks-test-a"), std::string::npos) << e.what();
  }
}

// A mirror finishing its sync raises a dm event: wait_event wakes up without
// polling, and the status then reports every region in sync.
TEST_F(DmDevice, MirrorSyncIsSeenThroughEvents) {
  const std::uint64_t length_sectors = 8192;  // 4 MiB
  create("pv2luks-test-m", "",
         {{0, length_sectors, "mirror",
           "core 1 1024 2 " + disk() + " 0 " + disk() + " 16384"}});
  std::uint32_t event_nr = info("pv2luks-test-m").event_nr;
  std::string sync;
  for (int waits = 0; waits < 20; ++waits) {
    const auto targets = status("pv2luks-test-m");
    ASSERT_EQ(targets.size(), 1u);
    sync = targets[0].params;
    if (sync.find(" 8/8 ") != std::string::npos) break;
    event_nr = wait_event("pv2luks-test-m", event_nr);
  }
  EXPECT_NE(sync.find(" 8/8 "), std::string::npos) << "mirror status: " << sync;
}

}  // namespace
}  // namespace pv2luks::dm
