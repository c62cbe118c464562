// lab run: prepare the run directory and disks, boot the guest, stream its
// console, cut the power when asked, and end with the script's exit code.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "common/error.h"
#include "lab/console.h"
#include "lab/guest.h"
#include "lab/lab.h"
#include "lab/lab_disks.h"
#include "lab/lab_options.h"
#include "lab/qemu_process.h"
#include "lab/run_dir.h"

namespace fs = std::filesystem;

namespace harness {

namespace {

std::atomic<int> g_signal{0};
void on_signal(int signal) { g_signal = signal; }

double seconds_since(QemuProcess::Clock::time_point start) {
  return std::chrono::duration<double>(QemuProcess::Clock::now() - start).count();
}

void write_share(const std::string& share, const LabGuest& guest, const LabRunOptions& options,
                 const std::vector<LabDisk>& disks) {
  fs::create_directories(share + "/out");
  fs::create_directories(share + "/lvm");
  fs::copy_file(guest.qemu_dir + "/lvm.conf", share + "/lvm/lvm.conf");
  fs::copy_file(guest.qemu_dir + "/guest-run", share + "/guest-run");
  fs::copy_file(options.script, share + "/script");
  // Copies, not host paths: the guest mounts its own /tmp, /run and /dev over
  // the host's, so a build under /tmp would be out of its sight.
  fs::create_directories(share + "/bin");
  for (const std::string& binary : project_binaries()) {
    fs::copy_file(binary, share + "/bin/" + fs::path(binary).filename().string());
  }
  fs::permissions(share + "/script", fs::perms::owner_all | fs::perms::group_read |
                                         fs::perms::group_exec | fs::perms::others_read |
                                         fs::perms::others_exec);
  std::string disk_list;
  for (const LabDisk& disk : disks) {
    if (!disk_list.empty()) disk_list += ' ';
    disk_list += disk.guest.name + ":" + std::to_string(disk.size_bytes) + ":" +
                 (disk.created ? "new" : "old");
  }
  std::ofstream env(share + "/lab.env");
  env << "LAB_SCRIPT=/run/lab/script\n"
      << "LAB_LOOP=" << (options.loop ? 1 : 0) << "\n"
      << "LAB_DISK_LIST='" << disk_list << "'\n"
      << "LAB_PATH_PREFIX=/run/lab/bin\n";
  if (!env) Fail(kExitLab) << share << "/lab.env: write failed";
}

// Watches the console until the script ends, the power is cut, time runs out
// or the guest dies. Returns the exit code of `lab run`.
int watch_guest(QemuProcess& qemu, const LabRunOptions& options) {
  using Clock = QemuProcess::Clock;
  const Clock::time_point launched = Clock::now();
  const Clock::time_point deadline =
      launched + std::chrono::milliseconds(static_cast<long>(options.timeout_s * 1000));
  std::optional<Clock::time_point> started;
  std::optional<Clock::time_point> cut_at;
  std::optional<int> script_exit;
  std::string last_output;
  std::string line;
  for (;;) {
    if (g_signal) {
      qemu.kill();
      std::cerr << "lab: interrupted by signal " << g_signal << "; QEMU killed\n";
      return 128 + g_signal;
    }
    const Clock::time_point now = Clock::now();
    if (cut_at && now >= *cut_at) {
      qemu.kill();
      std::cerr << "lab: power cut: QEMU killed with SIGKILL " << seconds_since(*started)
                << " s after the script started\n";
      return 0;
    }
    if (now >= deadline) {
      qemu.kill();
      std::cerr << "lab: timeout: the guest did not finish within " << options.timeout_s
                << " s; QEMU killed" << (started ? "" : " (the script never started)") << "\n";
      return kExitTimeout;
    }
    Clock::time_point wake = std::min(deadline, now + std::chrono::milliseconds(250));
    if (cut_at) wake = std::min(wake, *cut_at);
    const auto status = qemu.read_line(line, wake);
    if (status == QemuProcess::ReadStatus::kTimeout) continue;
    if (status == QemuProcess::ReadStatus::kEnd) break;
    const ConsoleLine console = classify_console_line(line);
    switch (console.kind) {
      case ConsoleKind::kNoise:
      case ConsoleKind::kProbeOk:
        break;
      case ConsoleKind::kStart:
        started = Clock::now();
        std::cerr << "lab: guest booted in " << seconds_since(launched) << " s; script started\n";
        if (options.power_cut_after_s) {
          cut_at = *started + std::chrono::milliseconds(
                                  static_cast<long>(*options.power_cut_after_s * 1000));
        }
        break;
      case ConsoleKind::kExit:
        script_exit = console.exit_code;
        break;
      case ConsoleKind::kInitFailed:
        qemu.kill();
        Fail(kExitLab) << "the guest's init failed: " << console.text;
      case ConsoleKind::kOutput:
        std::cout << console.text << std::endl;
        last_output = console.text;
        if (started && options.power_cut_on_line &&
            console.text.find(*options.power_cut_on_line) != std::string::npos) {
          cut_at = Clock::now();
        }
        break;
    }
  }
  const int qemu_exit = qemu.wait();
  if (!script_exit) {
    Fail(kExitLab) << "QEMU ended (exit " << qemu_exit << ") before the script reported an exit code"
                   << (started ? "" : "; the guest never started the script")
                   << (last_output.empty() ? "" : "; last output: " + last_output);
  }
  std::cerr << "lab: script exited " << *script_exit << " after "
            << (started ? seconds_since(*started) : 0.0) << " s\n";
  if (options.power_cut_after_s || options.power_cut_on_line) {
    std::cerr << "lab: the script ended before the requested power cut\n";
    return kExitNoCut;
  }
  return *script_exit;
}

int run_in_guest(const LabRunOptions& options) {
  std::cerr << std::fixed << std::setprecision(1);
  const LabGuest guest = prepare_lab_guest();
  std::string why;
  const Accel accel = choose_accel(guest, why);
  RunDir run_dir(options.keep);
  const std::vector<LabDisk> disks = prepare_lab_disks(options, run_dir.path());
  const std::string share = run_dir.path() + "/share";
  write_share(share, guest, options, disks);

  GuestConfig config;
  config.qemu = guest.qemu;
  config.accel = accel;
  config.kernel = guest.kernel;
  config.initramfs = guest.initramfs;
  config.lab_share = share;
  config.out_dir = options.out_dir.empty() ? share + "/out" : options.out_dir;
  for (const LabDisk& disk : disks) config.disks.push_back(disk.guest);
  std::cerr << "lab: kernel " << guest.kernel_version << ", accelerator "
            << (accel == Accel::kKvm ? "kvm" : "tcg") << " (" << why << ")\n";

  g_signal = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  QemuProcess qemu(qemu_argv(config));
  return watch_guest(qemu, options);
}

}  // namespace

int lab_run_command(const std::vector<std::string>& words) {
  if (std::find(words.begin(), words.end(), "--help") != words.end()) {
    std::cout << kLabRunHelp;
    return 0;
  }
  const LabRunOptions options = parse_lab_run_options(words);
  return options.host ? run_on_host(options) : run_in_guest(options);
}

}  // namespace harness
