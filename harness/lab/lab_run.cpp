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
#include <optional>

#include "common/error.h"
#include "lab/console.h"
#include "lab/guest.h"
#include "lab/lab.h"
#include "lab/lab_disks.h"
#include "lab/lab_options.h"
#include "lab/qemu_process.h"
#include "lab/run_dir.h"
#include "lab/software_tpm.h"

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
// or the guest dies, and fills `result`. A lab failure is an Error (kExitLab).
void watch_guest(QemuProcess& qemu, const LabRunOptions& options, LabResult& result) {
  using Clock = QemuProcess::Clock;
  const Clock::time_point launched = Clock::now();
  const Clock::time_point deadline =
      launched + std::chrono::milliseconds(static_cast<long>(options.timeout_s * 1000));
  std::optional<Clock::time_point> started;
  std::optional<Clock::time_point> cut_at;
  std::optional<int> script_exit;
  std::string last_output;
  std::string line;
  std::ofstream console_log;
  if (!options.console_log.empty()) {
    console_log.open(options.console_log, std::ios::trunc);
    if (!console_log) {
      qemu.kill();
      Fail(kExitLab) << "--console-log " << options.console_log << ": cannot write it";
    }
  }
  for (;;) {
    if (g_signal) {
      qemu.kill();
      std::cerr << "lab: interrupted by signal " << g_signal << "; QEMU killed\n";
      result.status = "interrupted";
      result.message = "interrupted by signal " + std::to_string(g_signal);
      result.exit_code = 128 + g_signal;
      return;
    }
    const Clock::time_point now = Clock::now();
    if (cut_at && now >= *cut_at) {
      qemu.kill();
      std::cerr << "lab: power cut: QEMU killed with SIGKILL " << seconds_since(*started)
                << " s after the script started\n";
      result.status = "power-cut";
      result.exit_code = 0;
      return;
    }
    if (now >= deadline) {
      qemu.kill();
      std::cerr << "lab: timeout: the guest did not finish within " << options.timeout_s
                << " s; QEMU killed" << (started ? "" : " (the script never started)") << "\n";
      result.status = "timeout";
      result.message = started ? "the script did not finish within the timeout"
                               : "the guest did not start the script within the timeout";
      result.exit_code = kExitTimeout;
      return;
    }
    Clock::time_point wake = std::min(deadline, now + std::chrono::milliseconds(250));
    if (cut_at) wake = std::min(wake, *cut_at);
    const auto status = qemu.read_line(line, wake);
    if (status == QemuProcess::ReadStatus::kTimeout) continue;
    if (status == QemuProcess::ReadStatus::kEnd) break;
    if (console_log.is_open()) console_log << line << std::endl;
    const ConsoleLine console = classify_console_line(line);
    switch (console.kind) {
      case ConsoleKind::kNoise:
      case ConsoleKind::kProbeOk:
        break;
      case ConsoleKind::kStart:
        started = Clock::now();
        result.boot_s = seconds_since(launched);
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
  result.script_exit = *script_exit;
  if (options.power_cut_after_s || options.power_cut_on_line) {
    std::cerr << "lab: the script ended before the requested power cut\n";
    result.status = "no-power-cut";
    result.exit_code = kExitNoCut;
    return;
  }
  result.status = "script-exited";
  result.exit_code = exit_code_of_script(*script_exit);
}

void run_in_guest(const LabRunOptions& options, LabResult& result) {
  std::cerr << std::fixed << std::setprecision(1);
  const LabGuest guest = prepare_lab_guest({options.kernel, options.modules});
  result.kernel = guest.kernel;
  result.kernel_version = guest.kernel_version;
  std::string why;
  const Accel accel = choose_accel(guest, why);
  result.accelerator = accel == Accel::kKvm ? "kvm" : "tcg";
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
  std::optional<SoftwareTpm> tpm;  // after run_dir: gone before the run directory
  if (!options.tpm_state.empty()) {
    tpm.emplace(options.tpm_state, run_dir.path());
    config.tpm_socket = tpm->socket();
  }
  std::cerr << "lab: kernel " << guest.kernel_version << ", accelerator "
            << (accel == Accel::kKvm ? "kvm" : "tcg") << " (" << why << ")\n";

  g_signal = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  QemuProcess qemu(qemu_argv(config));
  watch_guest(qemu, options, result);
}

// Reports a lab failure on stderr and in --result; returns its exit code.
int lab_failed(const LabRunOptions& options, LabResult& result,
               QemuProcess::Clock::time_point started, const std::string& message, int code) {
  std::cerr << "pv2luks-harness: " << message << "\n";
  result.status = "lab-failed";
  result.exit_code = code;
  result.message = message;
  result.script_exit.reset();
  result.duration_s = seconds_since(started);
  if (!options.result_file.empty()) write_lab_result(options.result_file, result);
  return code;
}

}  // namespace

int lab_run_command(const std::vector<std::string>& words) {
  if (std::find(words.begin(), words.end(), "--help") != words.end()) {
    std::cout << kLabRunHelp;
    return 0;
  }
  const LabRunOptions options = parse_lab_run_options(words);
  const auto started = QemuProcess::Clock::now();
  LabResult result;
  result.console_log = options.console_log;
  try {
    if (options.host) {
      run_on_host(options, result);
    } else {
      run_in_guest(options, result);
    }
  } catch (const Error& e) {
    if (e.exit_code() == kExitUsage) throw;  // bad input found late: nothing was run
    // Anything else that breaks is the lab's failure, never code 1 (the script's).
    return lab_failed(options, result, started, e.what(),
                      e.exit_code() == kExitFailure ? kExitLab : e.exit_code());
  } catch (const std::exception& e) {
    return lab_failed(options, result, started, e.what(), kExitLab);
  }
  result.duration_s = seconds_since(started);
  if (!options.result_file.empty()) write_lab_result(options.result_file, result);
  return result.exit_code;
}

}  // namespace harness
