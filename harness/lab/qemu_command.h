// The QEMU command line of a lab guest, as plain data (pure; unit-tested).
#pragma once

#include <string>
#include <vector>

#include "lab/disk_spec.h"

namespace harness {

enum class Accel { kKvm, kTcg };

struct GuestDisk {
  std::string name;  // virtio serial
  std::string path;
  DiskFormat format = DiskFormat::kRaw;
  std::uint32_t sector_bytes = 512;  // logical and physical sector in the guest
};

struct GuestConfig {
  std::string qemu = "qemu-system-x86_64";
  Accel accel = Accel::kTcg;
  std::string kernel;
  std::string initramfs;
  std::string kernel_args;  // appended to the lab's own
  int memory_mib = 1024;
  std::string host_root = "/";  // shared read-only as the guest's root
  std::string lab_share;        // shared read-write at /run/lab; "" for none
  std::string out_dir;          // shared read-write at /run/lab/out ($LAB_OUT)
  std::vector<GuestDisk> disks;
  std::string tpm_socket;  // swtpm's control socket: a TPM 2.0 (TIS); "" for none
};

std::vector<std::string> qemu_argv(const GuestConfig& config);

// `lab boot`: a guest's own kernel and initramfs with its own disks, the
// serial console (ttyS0) on QEMU's standard input and output; none of the
// lab's shares.
struct BootConfig {
  std::string qemu = "qemu-system-x86_64";
  Accel accel = Accel::kTcg;
  std::string kernel;  // "": no -kernel, the BIOS boots disk 0's boot loader
  std::string initramfs;
  std::string kernel_args;  // after "console=ttyS0 no_timer_check"
  int memory_mib = 1024;
  std::vector<GuestDisk> disks;
  std::string tpm_socket;  // as GuestConfig's
};

std::vector<std::string> boot_argv(const BootConfig& config);

}  // namespace harness
