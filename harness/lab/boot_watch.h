// Booting a guest's own kernel, initramfs and disks (lab boot, vm run) and
// watching its serial console: type a key file's bytes at a prompt, cut the
// power on a line, end on a marker line or a timeout.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lab/qemu_command.h"

namespace harness {

struct BootWatch {
  // When the console shows one of `answers` (a prompt: the line need not be
  // finished), type the bytes of `key_file` and Enter, once; if a prompt
  // shows again (a refused passphrase), the boot fails at once.
  std::vector<std::string> answers;
  std::string key_file;
  std::string marker;  // success: a console line containing it
  // SIGKILL QEMU (a power cut) as soon as a console line contains it.
  std::optional<std::string> cut_on_line;
  double timeout_s = 600;
  double after_marker_s = 60;  // for the guest to power off by itself
};

struct BootResult {
  // 0: the marker showed (or the power was cut as asked); kExitFailure: the
  // guest ended without it, or the prompt came twice; kExitTimeout.
  int code = 0;
  std::string marker_line;  // the first console line with the marker
  bool cut = false;         // the power was cut on cut_on_line
};

// Adds PATH (raw or qcow2, detected) as the next virtio disk, serial
// "diskN". A usage error when it does not exist.
void add_boot_disk(BootConfig& config, const std::string& path);

// PV2LUKS_LAB_ACCEL=kvm and PV2LUKS_QEMU, as every lab command reads them.
void apply_lab_environment(BootConfig& config);

// Boots `config` and watches it as `watch` says. The console streams to
// standard output; the lab's messages ("lab: ...") go to standard error.
BootResult boot_and_watch(const BootConfig& config, const BootWatch& watch);

}  // namespace harness
