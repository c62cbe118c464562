// Which tool builds the initramfs: fake roots under a temporary directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <string>

#include "live/tpm2_checks.h"
#include "system/initramfs_tool.h"

namespace pv2luks {
namespace {

class FakeRoot {
 public:
  FakeRoot()
      : root_(std::filesystem::temp_directory_path() /
              ("pv2luks-initramfs-tool-" + std::to_string(::getpid()) + "-" +
               std::to_string(counter_++))) {
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  ~FakeRoot() { std::filesystem::remove_all(root_); }
  FakeRoot(const FakeRoot&) = delete;
  FakeRoot& operator=(const FakeRoot&) = delete;

  void file(const std::string& path) {
    const auto at = root_ / std::filesystem::path(path).relative_path();
    std::filesystem::create_directories(at.parent_path());
    std::ofstream(at) << "#!/bin/sh\n";
  }
  void dir(const std::string& path) {
    std::filesystem::create_directories(root_ / std::filesystem::path(path).relative_path());
  }
  void initramfs_tools() {
    file("/usr/share/initramfs-tools/hook-functions");
    file("/usr/sbin/update-initramfs");
  }
  void dracut_core() {
    file("/usr/bin/dracut");
    dir("/usr/lib/dracut/modules.d/90crypt");
  }
  InitramfsTool detect() const { return detect_initramfs_tool(root_.string()); }
  std::string tpm2_problem() const { return initramfs_tpm2_problem(root_.string()); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path root_;
};

// --tpm2-device on a PV holding /: only dracut with its tpm2-tss module
// unlocks a systemd-tpm2 token in the initramfs.
TEST(InitramfsTpm2, DracutWithTpm2TssCan) {
  FakeRoot root;
  root.dracut_core();
  root.file("/etc/kernel/postinst.d/dracut");
  EXPECT_NE(root.tpm2_problem().find("without its tpm2-tss module"), std::string::npos);
  root.dir("/usr/lib/dracut/modules.d/91tpm2-tss");
  // The module is not installable without tpm2-tools' tpm2.
  EXPECT_NE(root.tpm2_problem().find("without its tpm2-tss module"), std::string::npos);
  root.file("/usr/bin/tpm2");
  EXPECT_EQ(root.tpm2_problem(), "");
}

TEST(InitramfsTpm2, InitramfsToolsCannot) {
  FakeRoot root;
  root.initramfs_tools();
  root.file("/etc/kernel/postinst.d/initramfs-tools");
  root.dir("/usr/lib/dracut/modules.d/91tpm2-tss");  // dracut's modules, not in charge
  EXPECT_NE(root.tpm2_problem().find("initramfs-tools builds the initramfs"), std::string::npos);
}

TEST(InitramfsTpm2, AnUnknownToolCannot) {
  FakeRoot root;
  EXPECT_NE(root.tpm2_problem().find("which tool builds the initramfs is unclear"),
            std::string::npos);
}

TEST(InitramfsTool, Names) {
  EXPECT_STREQ(initramfs_tool_name(InitramfsTool::InitramfsTools), "initramfs-tools");
  EXPECT_STREQ(initramfs_tool_name(InitramfsTool::Dracut), "dracut");
  EXPECT_STREQ(initramfs_tool_name(InitramfsTool::Unknown), "unknown");
}

TEST(InitramfsTool, EmptyRootIsUnknown) {
  FakeRoot root;
  EXPECT_EQ(root.detect(), InitramfsTool::Unknown);
}

TEST(InitramfsTool, InitramfsToolsAlone) {
  FakeRoot root;
  root.initramfs_tools();
  root.file("/etc/kernel/postinst.d/initramfs-tools");
  EXPECT_EQ(root.detect(), InitramfsTool::InitramfsTools);
}

TEST(InitramfsTool, DracutAlone) {
  FakeRoot root;
  root.dracut_core();
  root.file("/etc/kernel/postinst.d/dracut");
  EXPECT_EQ(root.detect(), InitramfsTool::Dracut);
}

// Fedora: no Debian kernel hook; kernel-install's plugin runs dracut.
TEST(InitramfsTool, DracutWithKernelInstallOnly) {
  FakeRoot root;
  root.dracut_core();
  root.file("/usr/lib/kernel/install.d/50-dracut.install");
  EXPECT_EQ(root.detect(), InitramfsTool::Dracut);
}

// Half an installation is no installation (negative controls).
TEST(InitramfsTool, HalfInstalledToolsDoNotCount) {
  FakeRoot hook_functions_only;
  hook_functions_only.file("/usr/share/initramfs-tools/hook-functions");
  EXPECT_EQ(hook_functions_only.detect(), InitramfsTool::Unknown);
  FakeRoot binary_only;
  binary_only.file("/usr/bin/dracut");
  EXPECT_EQ(binary_only.detect(), InitramfsTool::Unknown);
  FakeRoot modules_only;
  modules_only.dir("/usr/lib/dracut/modules.d");
  EXPECT_EQ(modules_only.detect(), InitramfsTool::Unknown);
}

// Debian: dracut-core beside initramfs-tools (README.Debian's "give it a
// try"): initramfs-tools' kernel hook is the one in charge.
TEST(InitramfsTool, BothInstalledKernelHookDecides) {
  FakeRoot tools_in_charge;
  tools_in_charge.initramfs_tools();
  tools_in_charge.dracut_core();
  tools_in_charge.file("/etc/kernel/postinst.d/initramfs-tools");
  EXPECT_EQ(tools_in_charge.detect(), InitramfsTool::InitramfsTools);

  FakeRoot dracut_in_charge;
  dracut_in_charge.initramfs_tools();
  dracut_in_charge.dracut_core();
  dracut_in_charge.file("/etc/kernel/postinst.d/dracut");
  EXPECT_EQ(dracut_in_charge.detect(), InitramfsTool::Dracut);
}

// What `apt-get install dracut` leaves on Debian 12 (seen in a chroot):
// initramfs-tools removed but not purged (its kernel hook stays, a conffile),
// initramfs-tools-core kept (hook-functions stays), update-initramfs gone.
TEST(InitramfsTool, DebianAfterInstallingDracut) {
  FakeRoot root;
  root.file("/usr/share/initramfs-tools/hook-functions");
  root.file("/etc/kernel/postinst.d/initramfs-tools");
  root.dracut_core();
  root.file("/etc/kernel/postinst.d/dracut");
  EXPECT_EQ(root.detect(), InitramfsTool::Dracut);
}

TEST(InitramfsTool, BothInstalledNoOrBothHooksIsUnknown) {
  FakeRoot neither;
  neither.initramfs_tools();
  neither.dracut_core();
  EXPECT_EQ(neither.detect(), InitramfsTool::Unknown);
  FakeRoot both;
  both.initramfs_tools();
  both.dracut_core();
  both.file("/etc/kernel/postinst.d/initramfs-tools");
  both.file("/etc/kernel/postinst.d/dracut");
  EXPECT_EQ(both.detect(), InitramfsTool::Unknown);
}

// A system without merged /usr keeps update-initramfs in /sbin.
TEST(InitramfsTool, UpdateInitramfsInSbin) {
  FakeRoot root;
  root.file("/usr/share/initramfs-tools/hook-functions");
  root.file("/sbin/update-initramfs");
  EXPECT_EQ(root.detect(), InitramfsTool::InitramfsTools);
}

TEST(InitramfsTool, PureDetectionSeesOnlyItsProbePaths) {
  std::vector<std::string> asked;
  const auto tool = detect_initramfs_tool_with([&asked](const std::string& path) {
    asked.push_back(path);
    return path == "/usr/bin/dracut" || path == "/lib/dracut/modules.d";
  });
  EXPECT_EQ(tool, InitramfsTool::Dracut);
  const auto& probes = initramfs_tool_probe_paths();
  for (const std::string& path : asked) {
    EXPECT_NE(std::find(probes.begin(), probes.end(), path), probes.end()) << path;
  }
}

}  // namespace
}  // namespace pv2luks
