#include <gtest/gtest.h>

#include <algorithm>

#include "lab/lab_disks.h"
#include "lab/qemu_command.h"

namespace harness {
namespace {

bool has_pair(const std::vector<std::string>& argv, const std::string& flag,
              const std::string& value) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag && argv[i + 1] == value) return true;
  }
  return false;
}

GuestConfig config() {
  GuestConfig c;
  c.kernel = "/boot/vmlinuz-x";
  c.initramfs = "/cache/i.cpio.gz";
  c.lab_share = "/tmp/run/share";
  c.out_dir = "/tmp/out";
  c.disks = {{"pv", "/d/pv.img", DiskFormat::kRaw}, {"img", "/d/a,b.qcow2", DiskFormat::kQcow2}};
  return c;
}

TEST(QemuCommand, TcgByDefault) {
  const auto argv = qemu_argv(config());
  EXPECT_TRUE(has_pair(argv, "-accel", "tcg"));
  EXPECT_TRUE(has_pair(argv, "-cpu", "max"));
  EXPECT_TRUE(has_pair(argv, "-kernel", "/boot/vmlinuz-x"));
}

TEST(QemuCommand, KvmUsesTheHostCpu) {
  GuestConfig c = config();
  c.accel = Accel::kKvm;
  const auto argv = qemu_argv(c);
  EXPECT_TRUE(has_pair(argv, "-accel", "kvm"));
  EXPECT_TRUE(has_pair(argv, "-cpu", "host"));
}

TEST(QemuCommand, DisksHaveSerialsAndSurvivableCache) {
  const auto argv = qemu_argv(config());
  EXPECT_TRUE(has_pair(argv, "-drive",
                       "if=none,id=disk0,file=/d/pv.img,format=raw,cache=writeback,discard=unmap"));
  EXPECT_TRUE(has_pair(argv, "-device", "virtio-blk-pci,drive=disk0,serial=pv"));
  // A comma in a path is doubled, QEMU's escape.
  EXPECT_TRUE(has_pair(argv, "-drive",
                       "if=none,id=disk1,file=/d/a,,b.qcow2,format=qcow2,cache=writeback,discard=unmap"));
}

TEST(QemuCommand, A4knDiskSays4096ForBothSectorSizes) {
  GuestConfig c = config();
  c.disks[0].sector_bytes = 4096;
  const auto argv = qemu_argv(c);
  EXPECT_TRUE(has_pair(argv, "-device",
                       "virtio-blk-pci,drive=disk0,serial=pv,logical_block_size=4096,"
                       "physical_block_size=4096"));
  EXPECT_TRUE(has_pair(argv, "-device", "virtio-blk-pci,drive=disk1,serial=img"));
}

TEST(QemuCommand, HostRootIsReadOnly) {
  const auto argv = qemu_argv(config());
  EXPECT_TRUE(has_pair(argv, "-virtfs",
                       "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"));
  EXPECT_TRUE(has_pair(argv, "-virtfs",
                       "local,path=/tmp/run/share,mount_tag=labshare,security_model=none"));
  EXPECT_TRUE(has_pair(argv, "-virtfs", "local,path=/tmp/out,mount_tag=labout,security_model=none"));
}

TEST(QemuCommand, ExtraKernelArgumentsAreAppended) {
  GuestConfig c = config();
  c.kernel_args = "lab.probe";
  const auto argv = qemu_argv(c);
  const auto append = std::find(argv.begin(), argv.end(), "-append");
  ASSERT_NE(append, argv.end());
  EXPECT_NE((append + 1)->find(" lab.probe"), std::string::npos);
}

TEST(QemuCommand, NoTpmUnlessAsked) {
  const auto argv = qemu_argv(config());
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "-tpmdev"), argv.end());
  BootConfig boot;
  boot.kernel = "/k";
  const auto boot_args = boot_argv(boot);
  EXPECT_EQ(std::find(boot_args.begin(), boot_args.end(), "-tpmdev"), boot_args.end());
}

TEST(QemuCommand, TpmIsATisDeviceOnTheSwtpmSocket) {
  GuestConfig c = config();
  c.tpm_socket = "/tmp/run,1/swtpm.sock";
  const auto argv = qemu_argv(c);
  EXPECT_TRUE(has_pair(argv, "-chardev", "socket,id=chrtpm,path=/tmp/run,,1/swtpm.sock"));
  EXPECT_TRUE(has_pair(argv, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm"));
  EXPECT_TRUE(has_pair(argv, "-device", "tpm-tis,tpmdev=tpm0"));
  BootConfig boot;
  boot.kernel = "/k";
  boot.tpm_socket = "/r/swtpm.sock";
  const auto boot_args = boot_argv(boot);
  EXPECT_TRUE(has_pair(boot_args, "-chardev", "socket,id=chrtpm,path=/r/swtpm.sock"));
  EXPECT_TRUE(has_pair(boot_args, "-device", "tpm-tis,tpmdev=tpm0"));
}

TEST(LabDisks, LoopBackingLeavesRoomForTheFilesystem) {
  EXPECT_GT(loop_backing_size_bytes(64ull << 20), (64ull << 20) + (16ull << 20));
  EXPECT_GT(loop_backing_size_bytes(4ull << 30), (4ull << 30) + (4ull << 30) / 64);
}

BootConfig boot_config() {
  BootConfig c;
  c.kernel = "/tmp/b/vmlinuz-6.1";
  c.initramfs = "/tmp/b/initrd.img-6.1";
  c.kernel_args = "root=/dev/mapper/vg-root ro";
  c.disks = {{"disk0", "/img/debian.raw", DiskFormat::kRaw}};
  return c;
}

TEST(QemuCommand, BootUsesTheGuestsOwnKernelConsoleAndDisk) {
  const auto argv = boot_argv(boot_config());
  EXPECT_TRUE(has_pair(argv, "-kernel", "/tmp/b/vmlinuz-6.1"));
  EXPECT_TRUE(has_pair(argv, "-initrd", "/tmp/b/initrd.img-6.1"));
  EXPECT_TRUE(has_pair(argv, "-append", "console=ttyS0 no_timer_check root=/dev/mapper/vg-root ro"));
  EXPECT_TRUE(has_pair(argv, "-serial", "stdio"));
  EXPECT_TRUE(has_pair(argv, "-accel", "tcg"));
  EXPECT_TRUE(has_pair(argv, "-drive",
                       "if=none,id=disk0,file=/img/debian.raw,format=raw,cache=writeback,discard=unmap"));
}

TEST(QemuCommand, BootSharesNothingOfTheHost) {
  const auto argv = boot_argv(boot_config());
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "-virtfs"), argv.end());
  BootConfig bare = boot_config();
  bare.kernel_args.clear();
  EXPECT_TRUE(has_pair(boot_argv(bare), "-append", "console=ttyS0 no_timer_check"));
}

TEST(QemuCommand, BootWithoutAKernelLeavesItToTheDisksBootLoader) {
  BootConfig grub = boot_config();
  grub.kernel.clear();
  grub.initramfs.clear();
  grub.kernel_args.clear();
  const auto argv = boot_argv(grub);
  for (const char* option : {"-kernel", "-initrd", "-append"}) {
    EXPECT_EQ(std::find(argv.begin(), argv.end(), option), argv.end()) << option;
  }
  EXPECT_TRUE(has_pair(argv, "-serial", "stdio"));
  EXPECT_TRUE(has_pair(argv, "-drive",
                       "if=none,id=disk0,file=/img/debian.raw,format=raw,cache=writeback,discard=unmap"));
}

}  // namespace
}  // namespace harness
