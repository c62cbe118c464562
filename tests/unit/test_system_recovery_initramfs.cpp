// The root-PV guard's pure parts: what an initramfs listing lacks for a
// recovery boot, which kernels a next boot may start, and whether a device
// lies below a mount in a sysfs tree.
#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>

#include "system/mount_holder.h"
#include "system/recovery_initramfs.h"

namespace pv2luks {
namespace {

namespace fs = std::filesystem;

// As lsinitramfs prints it (initramfs-tools, Debian 12 with pv2luks's hook).
const std::string kInitramfsTools =
    "/boot/initrd.img-6.1.0-28-amd64\n"
    "usr/sbin/cryptsetup\n"
    "usr/sbin/lvm\n"
    "sbin/pv2luks\n"
    "scripts/local-top/cryptroot\n"
    "scripts/local-top/pv2luks\n";

// As lsinitrd prints it (dracut): `ls -l` columns, then the path.
const std::string kDracut =
    "Image: /boot/initrd.img-6.1.0-28-amd64: 14M\n"
    "-rwxr-xr-x   1 root root   232112 Dec  3 12:00 usr/lib/systemd/systemd-cryptsetup\n"
    "-rwxr-xr-x   1 root root  2400000 Dec  3 12:00 usr/sbin/pv2luks\n"
    "-rwxr-xr-x   1 root root      900 Dec  3 12:00 var/lib/dracut/hooks/initqueue/settled/90-pv2luks-recover.sh\n";

TEST(RecoveryInitramfs, ListingWithEverythingLacksNothing) {
  EXPECT_TRUE(missing_for_recovery(kInitramfsTools).empty());
  EXPECT_TRUE(missing_for_recovery(kDracut).empty());
}

TEST(RecoveryInitramfs, NamesWhatIsMissing) {
  EXPECT_EQ(missing_for_recovery(""),
            (std::vector<std::string>{"cryptsetup", "pv2luks", "pv2luks's recovery hook"}));
  // The stock Debian initramfs without pv2luks installed: cryptsetup only.
  EXPECT_EQ(missing_for_recovery("usr/sbin/cryptsetup\nscripts/local-top/cryptroot\n"),
            (std::vector<std::string>{"pv2luks", "pv2luks's recovery hook"}));
  // The binary without the hook, the hook without cryptsetup.
  EXPECT_EQ(missing_for_recovery("usr/sbin/cryptsetup\nsbin/pv2luks\n"),
            (std::vector<std::string>{"pv2luks's recovery hook"}));
  EXPECT_EQ(missing_for_recovery("sbin/pv2luks\nscripts/local-top/pv2luks\n"),
            (std::vector<std::string>{"cryptsetup"}));
}

TEST(RecoveryInitramfs, NamesAreMatchedAsPathEndsNotAnywhere) {
  // A directory or a config file named after them is not them.
  EXPECT_EQ(missing_for_recovery("etc/cryptsetup-initramfs/conf-hook\nusr/lib/pv2luks/x\n"
                                 "scripts/local-top/pv2luks.conf\n"),
            (std::vector<std::string>{"cryptsetup", "pv2luks", "pv2luks's recovery hook"}));
}

TEST(RecoveryInitramfs, NextBootIsTheRunningAndTheNewestKernel) {
  EXPECT_EQ(next_boot_kernels("6.1.0-9-amd64", {"6.1.0-28-amd64", "6.1.0-9-amd64", "5.10.0-30-amd64"}),
            (std::vector<std::string>{"6.1.0-9-amd64", "6.1.0-28-amd64"}));
  EXPECT_EQ(next_boot_kernels("6.1.0-28-amd64", {"6.1.0-9-amd64", "6.1.0-28-amd64"}),
            (std::vector<std::string>{"6.1.0-28-amd64"}));
  EXPECT_EQ(next_boot_kernels("6.1.0-28-amd64", {}), (std::vector<std::string>{"6.1.0-28-amd64"}));
}

// A sysfs tree: /sys/dev/block/MAJ:MIN/slaves/NAME/dev, as the kernel lays
// it out (there the slaves are links; directories read the same).
class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("pv2luks-sysfs-" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void slave(dev_t top, const std::string& name, dev_t lower) {
    const fs::path dir = root_ / "dev/block" /
                         (std::to_string(major(top)) + ":" + std::to_string(minor(top))) / "slaves" / name;
    fs::create_directories(dir);
    std::ofstream(dir / "dev") << major(lower) << ":" << minor(lower) << "\n";
  }
  fs::path root_;
};

TEST_F(FakeSysfs, FindsThePvBelowTheRootLv) {
  const dev_t root_lv = makedev(253, 0);
  const dev_t vda5 = makedev(254, 5);
  const dev_t vdb1 = makedev(254, 17);
  slave(root_lv, "vda5", vda5);
  EXPECT_TRUE(lies_below(vda5, root_lv, root_));
  EXPECT_TRUE(lies_below(root_lv, root_lv, root_));
  EXPECT_FALSE(lies_below(vdb1, root_lv, root_));
}

TEST_F(FakeSysfs, FindsItThroughLayersAndSeveralPvs) {
  // root LV spans two PVs; one of them sits under an intermediate dm device.
  const dev_t root_lv = makedev(253, 0);
  const dev_t layer = makedev(253, 1);
  const dev_t vda5 = makedev(254, 5);
  const dev_t vdb1 = makedev(254, 17);
  slave(root_lv, "vdb1", vdb1);
  slave(root_lv, "dm-1", layer);
  slave(layer, "vda5", vda5);
  EXPECT_TRUE(lies_below(vda5, root_lv, root_));
  EXPECT_TRUE(lies_below(vdb1, root_lv, root_));
  EXPECT_FALSE(lies_below(makedev(254, 6), root_lv, root_));
}

TEST_F(FakeSysfs, ALoopInSysfsEnds) {
  const dev_t a = makedev(253, 0);
  const dev_t b = makedev(253, 1);
  slave(a, "dm-1", b);
  slave(b, "dm-0", a);
  EXPECT_FALSE(lies_below(makedev(254, 5), a, root_));
}

}  // namespace
}  // namespace pv2luks
