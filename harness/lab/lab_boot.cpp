// lab boot: boot a guest's own kernel and initramfs with its disk, stream its
// serial console, type a passphrase from a key file when a prompt shows, and
// end when a marker line shows (or the guest ends, or time runs out).
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>

#include "common/args.h"
#include "common/error.h"
#include "lab/console.h"
#include "lab/lab.h"
#include "lab/qemu_command.h"
#include "lab/qemu_process.h"
#include "luks/passphrase.h"

namespace harness {

namespace {

const char kLabBootHelp[] =
    "Usage: pv2luks-harness lab boot --kernel FILE --initrd FILE --disk PATH ...\n"
    "         [--append ARGS] [--answer TEXT --key-file FILE] --marker TEXT\n"
    "         [--timeout S] [--memory MIB]\n"
    "\n"
    "Boot a guest's own kernel and initramfs (e.g. taken from its /boot) under\n"
    "QEMU with PATH as virtio disks (raw or qcow2, detected), the serial console\n"
    "on ttyS0. The console streams to standard output; the lab's own messages\n"
    "start with 'lab:' on standard error.\n"
    "\n"
    "  --append ARGS     kernel arguments after 'console=ttyS0 no_timer_check',\n"
    "                    e.g. 'root=/dev/mapper/vg-root ro'\n"
    "  --answer TEXT     when the console shows TEXT (a prompt: the line need not\n"
    "                    be finished), type the bytes of --key-file and Enter,\n"
    "                    once; the key file may not hold a newline. If TEXT shows\n"
    "                    again (a refused passphrase), the boot fails at once\n"
    "  --marker TEXT     success: a console line containing TEXT; the guest then\n"
    "                    gets 60 s to power off by itself before it is killed\n"
    "  --timeout S       kill the guest after S seconds (default 600): exit 124\n"
    "  --memory MIB      guest memory (default 1024)\n"
    "\n"
    "TCG unless PV2LUKS_LAB_ACCEL=kvm (a stock Debian kernel does not run under\n"
    "KVM on every machine; see docs/lab.md).\n"
    "\n"
    "Exit codes: 0 the marker showed; 1 the guest ended without it or the prompt\n"
    "came twice; 2 bad usage; 124 timeout; 125 QEMU failed.\n";

struct LabBootOptions {
  BootConfig config;
  std::optional<std::string> answer;
  std::string key_file;
  std::string marker;
  double timeout_s = 600;
};

LabBootOptions parse_lab_boot_options(const std::vector<std::string>& words) {
  const Args args(words,
                  {"--kernel", "--initrd", "--disk", "--append", "--answer", "--key-file",
                   "--marker", "--timeout", "--memory"},
                  {});
  if (!args.positional().empty()) {
    Fail(kExitUsage) << "lab boot: unexpected '" << args.positional().front() << "'";
  }
  LabBootOptions options;
  BootConfig& config = options.config;
  config.kernel = args.value("--kernel").value_or("");
  config.initramfs = args.value("--initrd").value_or("");
  options.marker = args.value("--marker").value_or("");
  if (config.kernel.empty() || config.initramfs.empty() || options.marker.empty()) {
    Fail(kExitUsage) << "lab boot needs --kernel, --initrd and --marker (see --help)";
  }
  for (const std::string& path : {config.kernel, config.initramfs}) {
    if (!std::filesystem::is_regular_file(path)) Fail(kExitUsage) << path << ": no such file";
  }
  const std::vector<std::string> disks = args.values("--disk");
  for (std::size_t i = 0; i < disks.size(); ++i) {
    if (!std::filesystem::exists(disks[i])) Fail(kExitUsage) << disks[i] << ": no such disk";
    config.disks.push_back({"disk" + std::to_string(i), disks[i], detect_disk_format(disks[i]), 512});
  }
  config.kernel_args = args.value("--append").value_or("");
  options.answer = args.value("--answer");
  options.key_file = args.value("--key-file").value_or("");
  if (options.answer.has_value() != !options.key_file.empty()) {
    Fail(kExitUsage) << "lab boot: --answer and --key-file go together";
  }
  if (const auto timeout = args.number("--timeout")) options.timeout_s = *timeout;
  if (const auto memory = args.number("--memory")) config.memory_mib = static_cast<int>(*memory);
  if (const char* accel = std::getenv("PV2LUKS_LAB_ACCEL"); accel && std::string(accel) == "kvm") {
    config.accel = Accel::kKvm;
  }
  if (const char* qemu = std::getenv("PV2LUKS_QEMU"); qemu && *qemu) config.qemu = qemu;
  return options;
}

// The key file's bytes, to be typed at a prompt: no line breaks or NULs.
pv2luks::SecureBuffer typed_key(const std::string& path) {
  pv2luks::SecureBuffer key;
  try {
    key = pv2luks::read_key_file(path);
  } catch (const pv2luks::Error& e) {
    Fail(kExitUsage) << "lab boot: " << e.what();
  }
  for (const std::uint8_t byte : key.bytes()) {
    if (byte == '\n' || byte == '\r' || byte == '\0') {
      Fail(kExitUsage) << "lab boot: " << path << " holds a line break or NUL, which cannot be "
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
  PromptAnswer(const std::optional<std::string>& prompt, pv2luks::SecureBuffer key)
      : prompt_(prompt), key_(std::move(key)) {}

  // `text` is a finished line (`finished`) or the partial one; each prompt is
  // seen first as a partial line and then again when its line ends.
  bool see(QemuProcess& qemu, const std::string& text, bool finished,
           QemuProcess::Clock::time_point launched) {
    if (!prompt_ || text.find(*prompt_) == std::string::npos) return true;
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
  std::optional<std::string> prompt_;
  pv2luks::SecureBuffer key_;
  int answers_ = 0;
  bool answered_line_pending_ = false;
};

int watch_boot(QemuProcess& qemu, const LabBootOptions& options, PromptAnswer& answer) {
  using Clock = QemuProcess::Clock;
  const Clock::time_point launched = Clock::now();
  Clock::time_point deadline =
      launched + std::chrono::milliseconds(static_cast<long>(options.timeout_s * 1000));
  bool marked = false;
  std::string line;
  for (;;) {
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      qemu.kill();
      if (marked) {
        std::cerr << "lab: the guest did not power off within 60 s of the marker; killed\n";
        return 0;
      }
      std::cerr << "lab: timeout: no '" << options.marker << "' within " << options.timeout_s
                << " s; QEMU killed\n";
      return kExitTimeout;
    }
    const auto status = qemu.read_line(line, std::min(deadline, now + std::chrono::milliseconds(200)));
    if (status == QemuProcess::ReadStatus::kEnd) break;
    const bool finished = status == QemuProcess::ReadStatus::kLine;
    const std::string text = clean_console_text(finished ? line : qemu.partial_line());
    if (!answer.see(qemu, text, finished, launched)) {
      qemu.kill();
      std::cerr << "lab: the prompt '" << *options.answer << "' came again: the key was refused\n";
      return kExitFailure;
    }
    if (!finished) continue;
    std::cout << text << std::endl;
    if (!marked && text.find(options.marker) != std::string::npos) {
      marked = true;
      std::cerr << "lab: marker seen " << seconds_since(launched) << " s after launch\n";
      deadline = std::min(deadline, Clock::now() + std::chrono::seconds(60));
    }
  }
  const int qemu_exit = qemu.wait();
  if (marked) return 0;
  std::cerr << "lab: QEMU ended (exit " << qemu_exit << ") after " << seconds_since(launched)
            << " s without '" << options.marker << "'\n";
  return kExitFailure;
}

}  // namespace

int lab_boot_command(const std::vector<std::string>& words) {
  if (std::find(words.begin(), words.end(), "--help") != words.end()) {
    std::cout << kLabBootHelp;
    return 0;
  }
  const LabBootOptions options = parse_lab_boot_options(words);
  PromptAnswer answer(options.answer,
                      options.answer ? typed_key(options.key_file) : pv2luks::SecureBuffer());
  std::cerr << std::fixed << std::setprecision(1);
  std::cerr << "lab: booting " << options.config.kernel << " with "
            << options.config.disks.size() << " disk(s), accelerator "
            << (options.config.accel == Accel::kKvm ? "kvm" : "tcg") << "\n";
  std::signal(SIGPIPE, SIG_IGN);  // a dead QEMU's pipe is an Error, not a signal
  QemuProcess qemu(boot_argv(options.config), true);
  return watch_boot(qemu, options, answer);
}

}  // namespace harness
