#include "lab/boot_watch.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <csignal>
#include <iomanip>
#include <iostream>

#include "common/error.h"
#include "lab/console.h"
#include "lab/disk_spec.h"
#include "lab/qemu_process.h"
#include "luks/passphrase.h"

namespace harness {

namespace {

// The key file's bytes, to be typed at a prompt: no line breaks or NULs.
pv2luks::SecureBuffer typed_key(const std::string& path) {
  pv2luks::SecureBuffer key;
  try {
    key = pv2luks::read_key_file(path);
  } catch (const pv2luks::Error& e) {
    Fail(kExitUsage) << e.what();
  }
  for (const std::uint8_t byte : key.bytes()) {
    if (byte == '\n' || byte == '\r' || byte == '\0') {
      Fail(kExitUsage) << path << " holds a line break or NUL, which cannot be "
                       << "typed at a prompt";
    }
  }
  return key;
}

double seconds_since(QemuProcess::Clock::time_point start) {
  return std::chrono::duration<double>(QemuProcess::Clock::now() - start).count();
}

// Answers the prompt once; false when it shows a second time.
class PromptAnswer {
 public:
  PromptAnswer(const std::vector<std::string>& prompts, pv2luks::SecureBuffer key)
      : prompts_(prompts), key_(std::move(key)) {}

  // `text` is a finished line (`finished`) or the partial one; each prompt is
  // seen first as a partial line and then again when its line ends.
  bool see(QemuProcess& qemu, const std::string& text, bool finished,
           QemuProcess::Clock::time_point launched) {
    const auto shown = [&](const std::string& prompt) { return text.find(prompt) != std::string::npos; };
    if (std::none_of(prompts_.begin(), prompts_.end(), shown)) return true;
    if (finished) {
      answered_line_pending_ = false;
      return true;
    }
    if (answered_line_pending_) return true;
    if (answers_ > 0) return false;
    qemu.write_input(key_.data(), key_.size_bytes());
    const std::uint8_t enter = '\n';
    qemu.write_input(&enter, 1);
    ++answers_;
    answered_line_pending_ = true;
    std::cerr << "lab: typed the key file at the prompt " << seconds_since(launched)
              << " s after launch\n";
    return true;
  }

 private:
  std::vector<std::string> prompts_;
  pv2luks::SecureBuffer key_;
  int answers_ = 0;
  bool answered_line_pending_ = false;
};

BootResult watch(QemuProcess& qemu, const BootWatch& options, PromptAnswer& answer) {
  using Clock = QemuProcess::Clock;
  const Clock::time_point launched = Clock::now();
  Clock::time_point deadline =
      launched + std::chrono::milliseconds(static_cast<long>(options.timeout_s * 1000));
  BootResult result;
  bool marked = false;
  std::string line;
  for (;;) {
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      qemu.kill();
      if (marked) {
        std::cerr << "lab: the guest did not power off within " << options.after_marker_s
                  << " s of the marker; killed\n";
        return result;
      }
      std::cerr << "lab: timeout: no '" << options.marker << "' within " << options.timeout_s
                << " s; QEMU killed\n";
      result.code = kExitTimeout;
      return result;
    }
    const auto status = qemu.read_line(line, std::min(deadline, now + std::chrono::milliseconds(200)));
    if (status == QemuProcess::ReadStatus::kEnd) break;
    const bool finished = status == QemuProcess::ReadStatus::kLine;
    const std::string text = clean_console_text(finished ? line : qemu.partial_line());
    if (!answer.see(qemu, text, finished, launched)) {
      qemu.kill();
      std::cerr << "lab: the prompt came again (" << text << "): the key was refused\n";
      result.code = kExitFailure;
      return result;
    }
    if (!finished) continue;
    std::cout << text << std::endl;
    if (options.cut_on_line && text.find(*options.cut_on_line) != std::string::npos) {
      qemu.kill();
      std::cerr << "lab: power cut on '" << *options.cut_on_line << "', "
                << seconds_since(launched) << " s after launch\n";
      result.cut = true;
      return result;
    }
    if (!marked && text.find(options.marker) != std::string::npos) {
      marked = true;
      result.marker_line = text;
      std::cerr << "lab: marker seen " << seconds_since(launched) << " s after launch\n";
      deadline = std::min(deadline, Clock::now() + std::chrono::milliseconds(static_cast<long>(
                                                       options.after_marker_s * 1000)));
    }
  }
  const int qemu_exit = qemu.wait();
  if (marked) return result;
  std::cerr << "lab: QEMU ended (exit " << qemu_exit << ") after " << seconds_since(launched)
            << " s without '" << options.marker << "'\n";
  result.code = kExitFailure;
  return result;
}

}  // namespace

void add_boot_disk(BootConfig& config, const std::string& path) {
  if (!std::filesystem::exists(path)) Fail(kExitUsage) << path << ": no such disk";
  config.disks.push_back(
      {"disk" + std::to_string(config.disks.size()), path, detect_disk_format(path), 512});
}

void apply_lab_environment(BootConfig& config) {
  if (const char* accel = std::getenv("PV2LUKS_LAB_ACCEL"); accel && std::string(accel) == "kvm") {
    config.accel = Accel::kKvm;
  }
  if (const char* qemu = std::getenv("PV2LUKS_QEMU"); qemu && *qemu) config.qemu = qemu;
}

BootResult boot_and_watch(const BootConfig& config, const BootWatch& watch_options) {
  PromptAnswer answer(watch_options.answers, watch_options.answers.empty()
                                                 ? pv2luks::SecureBuffer()
                                                 : typed_key(watch_options.key_file));
  std::cerr << std::fixed << std::setprecision(1);
  std::cerr << "lab: booting " << (config.kernel.empty() ? "disk0's boot loader" : config.kernel)
            << " with " << config.disks.size()
            << " disk(s), accelerator " << (config.accel == Accel::kKvm ? "kvm" : "tcg") << "\n";
  std::signal(SIGPIPE, SIG_IGN);  // a dead QEMU's pipe is an Error, not a signal
  QemuProcess qemu(boot_argv(config), true);
  return watch(qemu, watch_options, answer);
}

}  // namespace harness
