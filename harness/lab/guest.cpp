#include "lab/guest.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "common/error.h"
#include "common/process.h"
#include "common/sha256.h"
#include "lab/bzimage.h"
#include "lab/data_dir.h"
#include "lab/kernel_version.h"
#include "lab/console.h"
#include "lab/qemu_process.h"

namespace fs = std::filesystem;

namespace harness {

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

std::string default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/pv2luks-lab";
  }
  return env_or("HOME", "/root") + "/.cache/pv2luks-lab";
}

// The newest /boot/vmlinuz-VERSION that has /lib/modules/VERSION, in version order.
void find_kernel(LabGuest& guest) {
  if (const char* kernel = std::getenv("PV2LUKS_LAB_KERNEL"); kernel && *kernel) {
    guest.kernel = kernel;
    guest.kernel_version = fs::path(kernel).filename().string();
    if (guest.kernel_version.rfind("vmlinuz-", 0) == 0) guest.kernel_version.erase(0, 8);
    guest.modules_dir = "/lib/modules/" + guest.kernel_version;
    return;
  }
  std::vector<std::string> versions;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/boot", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("vmlinuz-", 0) == 0 && fs::is_directory("/lib/modules/" + name.substr(8))) {
      versions.push_back(name.substr(8));
    }
  }
  if (versions.empty()) {
    Fail(kExitLab) << "no guest kernel: no /boot/vmlinuz-* with modules in /lib/modules; "
                      "install linux-image-amd64 (ci/install-deps)";
  }
  guest.kernel_version = newest_version(versions);
  guest.kernel = "/boot/vmlinuz-" + guest.kernel_version;
  guest.modules_dir = "/lib/modules/" + guest.kernel_version;
}

// --kernel BZIMAGE: its release from its setup header, its modules from --modules.
void use_kernel(LabGuest& guest, const KernelChoice& choice) {
  std::string why;
  const auto release = bzimage_file_release(choice.kernel, why);
  if (!release) {
    Fail(kExitLab) << "--kernel " << choice.kernel << ": not a bootable x86 kernel (bzImage): "
                   << why << "; give arch/x86/boot/bzImage of a kernel build or a /boot/vmlinuz-*";
  }
  guest.kernel = choice.kernel;
  guest.kernel_version = *release;
  if (!choice.modules.empty()) {
    guest.modules_dir = modules_dir_for(choice.modules, *release);
  } else if (fs::is_directory("/lib/modules/" + *release)) {
    guest.modules_dir = "/lib/modules/" + *release;
  } else {
    guest.modules_dir = "none";
    std::cerr << "lab: no modules for kernel " << *release << " (no --modules, no /lib/modules/"
              << *release << "): booting it with what is built in\n";
  }
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::string modules_dir_for(const std::string& dir, const std::string& version) {
  const fs::path nested = fs::path(dir) / "lib" / "modules" / version;
  if (fs::is_regular_file(nested / "modules.dep")) return nested.string();
  std::error_code ec;
  const fs::path real = fs::canonical(dir, ec);  // "DIR/" and links named as the directory
  if (!ec && fs::is_regular_file(real / "modules.dep") && real.filename() == version) {
    return real.string();
  }
  std::string found;
  // The versions it does have: DIR/lib/modules/*, or DIR's siblings.
  const fs::path tree = fs::path(dir) / "lib" / "modules";
  const fs::path listed = fs::is_directory(tree) ? tree : fs::path(dir).parent_path();
  for (const auto& entry : fs::directory_iterator(listed, ec)) {
    if (fs::is_regular_file(entry.path() / "modules.dep")) {
      found += (found.empty() ? "" : ", ") + entry.path().filename().string();
    }
  }
  Fail(kExitLab) << "--modules " << dir << ": no modules for kernel " << version
                 << " (the version in the bzImage): expected " << nested.string()
                 << " or a " << version << "/ directory with modules.dep"
                 << (found.empty() ? "" : "; it has modules for: " + found)
                 << "; run make modules_install INSTALL_MOD_PATH=DIR for this kernel";
}

LabGuest prepare_lab_guest(const KernelChoice& choice) {
  LabGuest guest;
  guest.qemu_dir = qemu_recipe_dir();
  guest.cache_dir = env_or("PV2LUKS_LAB_CACHE", default_cache_dir());
  guest.qemu = env_or("PV2LUKS_QEMU", "qemu-system-x86_64");
  const std::string qemu_path = find_program(guest.qemu);
  if (qemu_path.empty() || ::access(qemu_path.c_str(), X_OK) != 0) {
    Fail(kExitLab) << "cannot start QEMU: " << guest.qemu
                   << " not found; install qemu-system-x86 (ci/install-deps)";
  }
  if (choice.kernel.empty()) {
    find_kernel(guest);
  } else {
    use_kernel(guest, choice);
  }
  const ProcessResult built = run_process(
      {guest.qemu_dir + "/mkinitramfs", guest.cache_dir, guest.kernel_version, guest.modules_dir});
  if (built.exit_code != 0) {
    Fail(kExitLab) << "cannot build the guest initramfs: " << trim(built.err);
  }
  guest.initramfs = trim(built.out);
  return guest;
}

Accel choose_accel(const LabGuest& guest, std::string& why) {
  const std::string forced = env_or("PV2LUKS_LAB_ACCEL", "");
  if (forced == "tcg" || forced == "kvm") {
    why = "set by PV2LUKS_LAB_ACCEL";
    return forced == "kvm" ? Accel::kKvm : Accel::kTcg;
  }
  const int kvm = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0) {
    why = "/dev/kvm: " + errno_string();
    return Accel::kTcg;
  }
  ::close(kvm);

  // A cached verdict for this QEMU and kernel on this CPU.
  std::string cpu;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line;
      break;
    }
  }
  const std::string key =
      sha256_hex(find_program(guest.qemu) + "\n" + guest.kernel + "\n" + cpu).substr(0, 16);
  const std::string verdict_path = guest.cache_dir + "/accel-" + key;
  std::ifstream cached(verdict_path);
  std::string verdict;
  if (cached >> verdict && (verdict == "kvm" || verdict == "tcg")) {
    why = "KVM probe result cached in " + verdict_path;
    return verdict == "kvm" ? Accel::kKvm : Accel::kTcg;
  }

  // Probe: boot the lab kernel under KVM to the first line of /init. On some
  // machines KVM aborts ("failed to set MSR") or the kernel hangs early.
  GuestConfig probe;
  probe.qemu = guest.qemu;
  probe.accel = Accel::kKvm;
  probe.kernel = guest.kernel;
  probe.initramfs = guest.initramfs;
  probe.kernel_args = "lab.probe";
  probe.memory_mib = 256;
  bool ok = false;
  std::string last;
  {
    QemuProcess qemu(qemu_argv(probe));
    const auto deadline = QemuProcess::Clock::now() + std::chrono::seconds(20);
    std::string line;
    while (qemu.read_line(line, deadline) == QemuProcess::ReadStatus::kLine) {
      const ConsoleLine console = classify_console_line(line);
      if (console.kind == ConsoleKind::kProbeOk) {
        ok = true;
        break;
      }
      if (console.kind == ConsoleKind::kOutput) last = console.text;
    }
  }
  why = ok ? "a KVM probe boot succeeded"
           : "a KVM probe boot failed" + (last.empty() ? std::string(" (no output in 20 s)")
                                                       : " (" + last + ")");
  // Written beside and renamed: lab runs in parallel may probe at once.
  const std::string partial = verdict_path + ".tmp." + std::to_string(::getpid());
  std::ofstream(partial) << (ok ? "kvm" : "tcg") << "\n" << why << "\n";
  std::rename(partial.c_str(), verdict_path.c_str());
  return ok ? Accel::kKvm : Accel::kTcg;
}

}  // namespace harness
