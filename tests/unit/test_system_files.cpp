// crypttab, initramfs advice and LVM's devices-file setting: the pure parts.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "system/crypttab.h"
#include "system/initramfs_advice.h"
#include "system/lvm_refresh.h"

namespace pv2luks {
namespace {

const std::string kLine = "vda2_crypt UUID=0d8c-11 none luks";

TEST(Crypttab, LineIsNameUuidNoneLuks) {
  EXPECT_EQ(crypttab_line("vda2_crypt", "0d8c-11"), kLine);
}

TEST(Crypttab, AddsAfterWhatIsThere) {
  EXPECT_EQ(crypttab_with("", kLine), kLine + "\n");
  EXPECT_EQ(crypttab_with("# c\nswap /dev/x /dev/urandom swap", kLine),
            "# c\nswap /dev/x /dev/urandom swap\n" + kLine + "\n");
}

TEST(Crypttab, SameLineTwiceIsOneLine) {
  const std::string once = crypttab_with("", kLine);
  EXPECT_EQ(crypttab_with(once, "vda2_crypt  UUID=0d8c-11 none luks,discard"), once);
}

TEST(Crypttab, ClashingNameOrUuidIsRefused) {
  EXPECT_THROW(crypttab_with("vda2_crypt UUID=other none luks\n", kLine), Error);
  EXPECT_THROW(crypttab_with("root UUID=0d8c-11 none luks\n", kLine), Error);
  EXPECT_NO_THROW(crypttab_with("#vda2_crypt UUID=other none luks\n", kLine));
}

// Found by fuzz/crypttab: a line of fewer than two words was read past its end.
TEST(Crypttab, LineWithoutNameAndSourceIsRefused) {
  EXPECT_THROW(crypttab_with("root UUID=1 none luks\n", "vda2_crypt"), Error);
  EXPECT_THROW(crypttab_with("", " "), Error);
}

TEST(Crypttab, FileUpdateKeepsModeAndContent) {
  const auto dir = std::filesystem::temp_directory_path() / ("pv2luks-crypttab-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "crypttab").string();
  { std::ofstream(path) << "# mine\n"; }
  ::chmod(path.c_str(), 0600);
  EXPECT_TRUE(add_to_crypttab(path, kLine));
  EXPECT_FALSE(add_to_crypttab(path, kLine));
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "# mine\n" + kLine + "\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(path + ".pv2luks-new"));
  std::filesystem::remove_all(dir);
}

TEST(InitramfsAdvice, PerDistributionFamily) {
  const auto advice = [](const std::string& os) { return initramfs_advice(os, "vda2_crypt", "U-1"); };
  EXPECT_NE(advice("ID=debian\n").find("update-initramfs -u -k all"), std::string::npos);
  EXPECT_NE(advice("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n").find("cryptsetup-initramfs"),
            std::string::npos);
  EXPECT_NE(advice("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n").find("rd.luks.uuid=U-1"),
            std::string::npos);
  EXPECT_NE(advice("ID=arch\n").find("mkinitcpio -P"), std::string::npos);
  EXPECT_NE(advice("").find("distribution's tool"), std::string::npos);
}

TEST(LvmDevicesFile, InUseOnlyWhenEnabled) {
  EXPECT_EQ(devices_file_in_use("use_devicesfile=1\ndevicesfile=\"system.devices\"\n"), "system.devices");
  EXPECT_EQ(devices_file_in_use("use_devicesfile=0\ndevicesfile=\"system.devices\"\n"), "");
  EXPECT_EQ(devices_file_in_use(""), "");
}

}  // namespace
}  // namespace pv2luks
