// What dracut systems get: the dracut.conf.d snippet beside the crypttab line
// and the advice per initramfs tool.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "system/dracut_conf.h"
#include "system/initramfs_advice.h"

namespace pv2luks {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(DracutConf, PathIsBesideTheCrypttab) {
  EXPECT_EQ(dracut_conf_path("/etc/crypttab", "vda3_crypt"),
            "/etc/dracut.conf.d/90-pv2luks-vda3_crypt.conf");
  EXPECT_EQ(dracut_conf_path("/sysroot/etc/crypttab", "x"),
            "/sysroot/etc/dracut.conf.d/90-pv2luks-x.conf");
}

TEST(DracutConf, TextAsksForCrypttabUuidAndModules) {
  const std::string text = dracut_conf_text("vda3_crypt", "0d8c-11");
  EXPECT_NE(text.find("\ninstall_items+=\" /etc/crypttab \"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nkernel_cmdline+=\" rd.luks.uuid=0d8c-11 \"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nadd_dracutmodules+=\" crypt lvm \"\n"), std::string::npos) << text;
  // dracut sources it with bash: every line a comment or an assignment.
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.rfind("#", 0) == 0 || line.find("+=\" ") != std::string::npos) << line;
  }
}

TEST(DracutConf, Tpm2AddsTheTpm2TssModule) {
  const std::string text = dracut_conf_text("vda3_crypt", "0d8c-11", true);
  EXPECT_NE(text.find("\nadd_dracutmodules+=\" crypt lvm tpm2-tss \"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ninstall_items+=\" /etc/crypttab \"\n"), std::string::npos) << text;
  // Control: without it, no tpm2-tss.
  EXPECT_EQ(dracut_conf_text("vda3_crypt", "0d8c-11").find("tpm2-tss"), std::string::npos);
}

TEST(DracutConf, WriteOnceThenUnchanged) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("pv2luks-dracut-conf-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "dracut.conf.d");
  const std::string path = dracut_conf_path((dir / "crypttab").string(), "vda3_crypt");
  const std::string text = dracut_conf_text("vda3_crypt", "U-1");
  EXPECT_TRUE(write_dracut_conf(path, text));
  EXPECT_FALSE(write_dracut_conf(path, text));
  EXPECT_EQ(read_text(path), text);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  // Another UUID for the name (a volume converted again): replaced.
  EXPECT_TRUE(write_dracut_conf(path, dracut_conf_text("vda3_crypt", "U-2")));
  EXPECT_NE(read_text(path).find("rd.luks.uuid=U-2 "), std::string::npos);
  std::filesystem::remove_all(dir);
}

// Negative control: no dracut.conf.d (no dracut there) is an error naming it.
TEST(DracutConf, MissingDirectoryIsRefused) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("pv2luks-dracut-none-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = dracut_conf_path((dir / "crypttab").string(), "v");
  try {
    write_dracut_conf(path, "x");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dracut.conf.d: no such directory"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}

TEST(InitramfsAdviceByTool, InitramfsToolsKeepsTheDebianWording) {
  // Word for word what a Debian system was told before tools were detected,
  // whatever os-release says.
  const std::string debian = initramfs_advice("ID=debian\n", "vda2_crypt", "U-1");
  EXPECT_EQ(initramfs_advice(InitramfsTool::InitramfsTools, "ID=debian\n", "vda2_crypt", "U-1"),
            debian);
  EXPECT_EQ(initramfs_advice(InitramfsTool::InitramfsTools, "", "vda2_crypt", "U-1"), debian);
  EXPECT_NE(debian.find("'update-initramfs -u -k all'"), std::string::npos);
}

TEST(InitramfsAdviceByTool, DracutRegeneratesEveryKernel) {
  for (const std::string os : {"ID=debian\n", "ID=fedora\n", ""}) {
    const std::string advice = initramfs_advice(InitramfsTool::Dracut, os, "vda3_crypt", "U-1");
    EXPECT_NE(advice.find("'dracut -f --regenerate-all'"), std::string::npos) << advice;
    EXPECT_NE(advice.find("/etc/dracut.conf.d/90-pv2luks-vda3_crypt.conf"), std::string::npos);
    EXPECT_NE(advice.find("rd.luks.uuid=U-1"), std::string::npos);
    // Negative control: not the initramfs-tools advice.
    EXPECT_EQ(advice.find("update-initramfs"), std::string::npos) << advice;
    EXPECT_EQ(advice.find("cryptsetup-initramfs"), std::string::npos) << advice;
  }
}

TEST(InitramfsAdviceByTool, UnknownFallsBackToOsRelease) {
  EXPECT_EQ(initramfs_advice(InitramfsTool::Unknown, "ID=arch\n", "v", "U"),
            initramfs_advice("ID=arch\n", "v", "U"));
  EXPECT_EQ(initramfs_advice(InitramfsTool::Unknown, "ID=debian\n", "v", "U"),
            initramfs_advice("ID=debian\n", "v", "U"));
}

}  // namespace
}  // namespace pv2luks
