#include "lab/guest.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <fstream>

#include "common/error.h"
#include "common/process.h"
#include "common/sha256.h"
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

// The newest /boot/vmlinuz-VERSION that has /lib/modules/VERSION.
void find_kernel(LabGuest& guest) {
  if (const char* kernel = std::getenv("PV2LUKS_LAB_KERNEL"); kernel && *kernel) {
    guest.kernel = kernel;
    guest.kernel_version = fs::path(kernel).filename().string();
    if (guest.kernel_version.rfind("vmlinuz-", 0) == 0) guest.kernel_version.erase(0, 8);
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
  std::sort(versions.begin(), versions.end());
  guest.kernel_version = versions.back();
  guest.kernel = "/boot/vmlinuz-" + guest.kernel_version;
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

LabGuest prepare_lab_guest() {
  LabGuest guest;
  guest.qemu_dir = env_or("PV2LUKS_QEMU_DIR", PV2LUKS_SOURCE_DIR "/qemu");
  guest.cache_dir = env_or("PV2LUKS_LAB_CACHE", default_cache_dir());
  guest.qemu = env_or("PV2LUKS_QEMU", "qemu-system-x86_64");
  const std::string qemu_path = find_program(guest.qemu);
  if (qemu_path.empty() || ::access(qemu_path.c_str(), X_OK) != 0) {
    Fail(kExitLab) << "cannot start QEMU: " << guest.qemu
                   << " not found; install qemu-system-x86 (ci/install-deps)";
  }
  find_kernel(guest);
  const ProcessResult built =
      run_process({guest.qemu_dir + "/mkinitramfs", guest.cache_dir, guest.kernel_version});
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
