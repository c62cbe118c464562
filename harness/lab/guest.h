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
  std::string modules_dir;  // the lib/modules/VERSION its initramfs took modules from, or "none"
};

// --kernel BZIMAGE [--modules DIR]: a kernel of the user's (a build tree's),
// instead of the host's newest.
struct KernelChoice {
  std::string kernel;   // empty: the newest /boot/vmlinuz-V with /lib/modules/V
  std::string modules;  // DIR/lib/modules/V or DIR itself; empty: /lib/modules/V if there
};

// Finds or builds everything; a missing piece is an Error (kExitLab) that says
// which package to install.
LabGuest prepare_lab_guest(const KernelChoice& choice = {});

// The lib/modules/VERSION directory for --modules DIR: DIR/lib/modules/VERSION
// (a `make modules_install INSTALL_MOD_PATH=DIR` tree) or DIR itself when it
// holds modules.dep. An Error (kExitLab) naming the versions DIR has otherwise.
std::string modules_dir_for(const std::string& dir, const std::string& version);

// KVM when a probe boot proves it works on this machine (result cached),
// otherwise TCG. `why` says how the choice was made.
Accel choose_accel(const LabGuest& guest, std::string& why);

}  // namespace harness
