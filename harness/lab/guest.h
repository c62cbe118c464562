// Where the lab guest's pieces come from: the kernel, the initramfs (built by
// qemu/mkinitramfs and cached by content), QEMU and the accelerator.
#pragma once

#include <string>

#include "lab/qemu_command.h"

namespace harness {

struct LabGuest {
  std::string qemu_dir;   // the project's qemu/ recipes
  std::string cache_dir;  // initramfs and probe results
  std::string qemu;       // the QEMU binary
  std::string kernel;
  std::string kernel_version;
  std::string initramfs;
};

// Finds or builds everything; a missing piece is an Error (kExitLab) that says
// which package to install.
LabGuest prepare_lab_guest();

// KVM when a probe boot proves it works on this machine (result cached),
// otherwise TCG. `why` says how the choice was made.
Accel choose_accel(const LabGuest& guest, std::string& why);

}  // namespace harness
