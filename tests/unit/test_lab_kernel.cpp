// The lab's kernel: the newest by version order, and the release read from a
// bzImage's setup header (--kernel).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/error.h"
#include "lab/bzimage.h"
#include "lab/guest.h"
#include "lab/kernel_version.h"

namespace harness {
namespace {

TEST(KernelVersion, NumbersCompareAsNumbers) {
  EXPECT_TRUE(version_less("6.1.0-9-amd64", "6.1.0-57-amd64"));
  EXPECT_FALSE(version_less("6.1.0-57-amd64", "6.1.0-9-amd64"));
  EXPECT_TRUE(version_less("6.9.0", "6.10.0"));
  EXPECT_TRUE(version_less("6.9", "6.10"));
  EXPECT_FALSE(version_less("6.10", "6.9"));
  EXPECT_FALSE(version_less("6.1.0-9-amd64", "6.1.0-9-amd64"));
  EXPECT_TRUE(version_less("6.1", "6.1.1"));  // a prefix is older
  EXPECT_TRUE(version_less("6.1.0", "6.1.0-1"));
  EXPECT_TRUE(version_less("5.10.0-30-amd64", "6.1.0-1-amd64"));
  EXPECT_TRUE(version_less("6.1.0-09", "6.1.0-10"));
}

TEST(KernelVersion, NewestIsByVersionNotByString) {
  // String order would pick 6.1.0-9 and 6.9.
  EXPECT_EQ(newest_version({"6.1.0-57-amd64", "6.1.0-9-amd64"}), "6.1.0-57-amd64");
  EXPECT_EQ(newest_version({"6.1.0-9-amd64", "6.1.0-57-amd64", "6.1.0-10-amd64"}),
            "6.1.0-57-amd64");
  EXPECT_EQ(newest_version({"6.10.0-1-amd64", "6.9.0-3-amd64"}), "6.10.0-1-amd64");
  EXPECT_EQ(newest_version({}), "");
}

// A minimal bzImage head: boot flag, "HdrS", protocol 2.15, and the version
// string at kernel_version + 0x200.
std::vector<std::uint8_t> bzimage_head(const char* version, std::uint16_t pointer = 0x3000) {
  std::vector<std::uint8_t> head(kBzImageHeadBytes, 0);
  head[0x1F1] = 30;  // setup sectors
  head[0x1FE] = 0x55;
  head[0x1FF] = 0xAA;
  std::memcpy(&head[0x202], "HdrS", 4);
  head[0x206] = 0x0F;
  head[0x207] = 0x02;
  head[0x20E] = pointer & 0xFF;
  head[0x20F] = pointer >> 8;
  std::memcpy(&head[pointer + 0x200], version, std::strlen(version));
  return head;
}

TEST(BzImage, ReadsTheReleaseFromTheSetupHeader) {
  std::string why;
  const auto head = bzimage_head("6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP");
  EXPECT_EQ(bzimage_release(head, why).value_or(why), "6.1.0-57-amd64");
}

TEST(BzImage, RefusesWhatIsNotOne) {
  std::string why;
  std::vector<std::uint8_t> text(4096, 'x');
  EXPECT_FALSE(bzimage_release(text, why));
  EXPECT_NE(why.find("HdrS"), std::string::npos) << why;
  EXPECT_FALSE(bzimage_release(std::vector<std::uint8_t>(100, 0), why));
  EXPECT_NE(why.find("too short"), std::string::npos) << why;
  auto no_pointer = bzimage_head("6.1.0", 0x3000);
  no_pointer[0x20E] = no_pointer[0x20F] = 0;
  EXPECT_FALSE(bzimage_release(no_pointer, why));
  // The string past the setup sectors, or without its NUL in them.
  EXPECT_FALSE(bzimage_release(bzimage_head("6.1.0", 0x7000), why));
  auto unterminated = bzimage_head("6.1.0");
  std::memset(&unterminated[0x3200], 'a', (30 + 1) * 512 - 0x3200);
  EXPECT_FALSE(bzimage_release(unterminated, why));
  EXPECT_NE(why.find("NUL-terminated"), std::string::npos) << why;
}

// --modules DIR: a modules_install tree or the VERSION directory itself.
TEST(KernelModules, TakesATreeOrTheVersionDirectory) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(::testing::TempDir()) / "lab-modules";
  fs::remove_all(root);
  const fs::path version_dir = root / "lib" / "modules" / "6.9.0-rc1+";
  fs::create_directories(version_dir);
  std::ofstream(version_dir / "modules.dep") << "";
  EXPECT_EQ(modules_dir_for(root.string(), "6.9.0-rc1+"), version_dir.string());
  EXPECT_EQ(modules_dir_for(version_dir.string() + "/", "6.9.0-rc1+"),
            fs::canonical(version_dir).string());
  try {
    modules_dir_for(root.string(), "6.10.0");
    ADD_FAILURE() << "modules of another version were taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitLab);
    EXPECT_NE(std::string(e.what()).find("no modules for kernel 6.10.0"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("it has modules for: 6.9.0-rc1+"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(modules_dir_for(version_dir.string(), "6.10.0"), Error);
  fs::remove_all(root);
}

}  // namespace
}  // namespace harness
