#include "lab/qemu_command.h"

namespace harness {

namespace {

// Commas in a -drive or -virtfs value are doubled by QEMU's option syntax.
std::string qemu_escape(const std::string& value) {
  std::string escaped;
  for (const char c : value) {
    escaped += c;
    if (c == ',') escaped += ',';
  }
  return escaped;
}

// QEMU's default is 512; a 4Kn disk says 4096 for both, as real ones do.
std::string sector_props(const GuestDisk& disk) {
  if (disk.sector_bytes == 512) return "";
  const std::string bytes = std::to_string(disk.sector_bytes);
  return ",logical_block_size=" + bytes + ",physical_block_size=" + bytes;
}

void add_disk(std::vector<std::string>& argv, const GuestDisk& disk, std::size_t index) {
  const std::string id = "disk" + std::to_string(index);
  // cache=writeback: QEMU writes through the host page cache, and a guest
  // flush becomes fdatasync on the host (and, for qcow2, writes QEMU's own
  // metadata caches). So all the guest flushed survives a SIGKILL of QEMU.
  argv.insert(argv.end(),
              {"-drive", "if=none,id=" + id + ",file=" + qemu_escape(disk.path) + ",format=" +
                             (disk.format == DiskFormat::kQcow2 ? "qcow2" : "raw") +
                             ",cache=writeback,discard=unmap",
               "-device",
               "virtio-blk-pci,drive=" + id + ",serial=" + disk.name + sector_props(disk)});
}

void add_accel(std::vector<std::string>& argv, Accel accel) {
  if (accel == Accel::kKvm) {
    argv.insert(argv.end(), {"-accel", "kvm", "-cpu", "host"});
  } else {
    argv.insert(argv.end(), {"-accel", "tcg", "-cpu", "max"});
  }
}

// A TPM 2.0 on the TIS interface, the one Debian's kernel has built in,
// backed by the swtpm behind `socket`.
void add_tpm(std::vector<std::string>& argv, const std::string& socket) {
  if (socket.empty()) return;
  argv.insert(argv.end(), {"-chardev", "socket,id=chrtpm,path=" + qemu_escape(socket), "-tpmdev",
                           "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-tis,tpmdev=tpm0"});
}

}  // namespace

std::vector<std::string> qemu_argv(const GuestConfig& config) {
  std::vector<std::string> argv = {config.qemu};
  add_accel(argv, config.accel);
  // no_timer_check: under TCG on a loaded host the kernel can misjudge the
  // IO-APIC timer and panic at boot ("IO-APIC + timer doesn't work").
  std::string append = "console=ttyS0 quiet loglevel=3 panic=-1 no_timer_check";
  if (!config.kernel_args.empty()) append += " " + config.kernel_args;
  argv.insert(argv.end(),
              {"-m", std::to_string(config.memory_mib), "-nodefaults", "-nographic", "-no-reboot",
               "-nic", "none", "-serial", "stdio", "-kernel", config.kernel, "-initrd",
               config.initramfs, "-append", append, "-virtfs",
               "local,path=" + qemu_escape(config.host_root) +
                   ",mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"});
  if (!config.lab_share.empty()) {
    argv.insert(argv.end(), {"-virtfs", "local,path=" + qemu_escape(config.lab_share) +
                                            ",mount_tag=labshare,security_model=none"});
    argv.insert(argv.end(), {"-virtfs", "local,path=" + qemu_escape(config.out_dir) +
                                            ",mount_tag=labout,security_model=none"});
  }
  for (std::size_t i = 0; i < config.disks.size(); ++i) add_disk(argv, config.disks[i], i);
  add_tpm(argv, config.tpm_socket);
  return argv;
}

std::vector<std::string> boot_argv(const BootConfig& config) {
  std::vector<std::string> argv = {config.qemu};
  add_accel(argv, config.accel);
  // no_timer_check: as for the lab guest (qemu_argv).
  std::string append = "console=ttyS0 no_timer_check";
  if (!config.kernel_args.empty()) append += " " + config.kernel_args;
  argv.insert(argv.end(), {"-m", std::to_string(config.memory_mib), "-nodefaults", "-nographic",
                           "-no-reboot", "-nic", "none", "-serial", "stdio"});
  // No kernel: the firmware boots the first disk's own boot loader.
  if (!config.kernel.empty()) {
    argv.insert(argv.end(),
                {"-kernel", config.kernel, "-initrd", config.initramfs, "-append", append});
  }
  for (std::size_t i = 0; i < config.disks.size(); ++i) add_disk(argv, config.disks[i], i);
  add_tpm(argv, config.tpm_socket);
  return argv;
}

}  // namespace harness
