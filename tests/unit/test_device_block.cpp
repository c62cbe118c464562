#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "device/block_device.h"

namespace pv2luks {
namespace {

std::string temp_file(const std::string& content) {
  char path[] = "/tmp/pv2luks-unit-XXXXXX";
  const int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  ::close(fd);
  return path;
}

TEST(BlockDevice, MissingDeviceIsNamed) {
  try {
    inspect_block_device("/dev/pv2luks-no-such-disk");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/pv2luks-no-such-disk: no such device"),
              std::string::npos);
  }
}

TEST(BlockDevice, AFileIsNotABlockDevice) {
  const std::string path = temp_file("x");
  try {
    inspect_block_device(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a block device; for a disk image use --offline"),
              std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST(BlockDevice, LuksMagicIsRecognised) {
  const std::string luks = temp_file(std::string("LUKS\xba\xbe\0\x02", 8) + std::string(504, '\0'));
  const std::string plain = temp_file(std::string(512, '\0'));
  // A secondary LUKS2 header lives at 16 KiB or beyond, never at byte 0.
  const std::string skul_at_0 = temp_file(std::string("SKUL\xba\xbe\0\x02", 8) + std::string(504, '\0'));
  std::string torn(32 << 10, '\0');
  torn.replace(16 << 10, 8, std::string("SKUL\xba\xbe\0\x02", 8));
  torn[(16 << 10) + 256 + 6] = 0x40;  // hdr_offset 0x4000: its own offset
  const std::string secondary = temp_file(torn);
  EXPECT_TRUE(starts_with_luks_header(luks));
  EXPECT_TRUE(starts_with_luks_header(secondary));
  EXPECT_FALSE(starts_with_luks_header(plain));
  EXPECT_FALSE(starts_with_luks_header(skul_at_0));
  for (const auto& path : {luks, plain, skul_at_0, secondary}) std::filesystem::remove(path);
}

TEST(BlockDevice, ASecondLockOnTheSameDeviceIsRefused) {
  const std::string dir = std::filesystem::temp_directory_path() / "pv2luks-unit-locks";
  BlockDevice device;
  device.path = "/dev/test";
  device.dev = makedev(7, 99);
  {
    DeviceLock first(device, dir);
    try {
      DeviceLock second(device, dir);
      FAIL() << "two locks on one device";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("another pv2luks is working on this device"),
                std::string::npos);
      EXPECT_NE(std::string(e.what()).find("(pid "), std::string::npos);
    }
  }
  DeviceLock again(device, dir);  // released with the first
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pv2luks
