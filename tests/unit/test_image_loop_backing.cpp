// Loop devices backed by an image (converter/lib/image/loop_backing.h), from
// a /sys/block tree built here: matched by device and inode, not by name.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "image/loop_backing.h"

namespace pv2luks {
namespace {

namespace fs = std::filesystem;

class LoopBacking : public testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("pv2luks-loops-" + std::to_string(::getpid()));
    fs::create_directories(root_ / "sys");
    std::ofstream(root_ / "image.raw") << "image";
    std::ofstream(root_ / "other.raw") << "other";
    fs::create_symlink(root_ / "image.raw", root_ / "alias.raw");
  }
  void TearDown() override { fs::remove_all(root_); }

  // /sys/block/NAME, bound to `backing` ("" for an unbound loop device).
  void device(const std::string& name, const fs::path& backing) {
    fs::create_directories(root_ / "sys" / name);
    if (backing.empty()) return;
    fs::create_directories(root_ / "sys" / name / "loop");
    std::ofstream(root_ / "sys" / name / "loop" / "backing_file") << backing.string() << "\n";
  }

  std::vector<std::string> backing(const fs::path& image) {
    struct stat st {};
    EXPECT_EQ(::stat(image.c_str(), &st), 0);
    return loop_devices_backed_by(st, (root_ / "sys").string());
  }

  fs::path root_;
};

TEST_F(LoopBacking, FindsTheLoopDevicesOfTheImageOnly) {
  device("loop0", "");
  device("loop1", root_ / "other.raw");
  device("loop3", root_ / "alias.raw");  // another name for the image
  device("loop2", root_ / "image.raw");
  device("loop4", root_ / "gone.raw (deleted)");
  device("vda", root_ / "image.raw");  // not a loop device
  EXPECT_EQ(backing(root_ / "image.raw"), (std::vector<std::string>{"/dev/loop2", "/dev/loop3"}));
  EXPECT_EQ(backing(root_ / "other.raw"), std::vector<std::string>{"/dev/loop1"});
}

TEST_F(LoopBacking, NoneWithoutLoopDevices) {
  device("loop0", "");
  EXPECT_TRUE(backing(root_ / "image.raw").empty());
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "image.raw").c_str(), &st), 0);
  EXPECT_TRUE(loop_devices_backed_by(st, (root_ / "no-such-dir").string()).empty());
}

}  // namespace
}  // namespace pv2luks
