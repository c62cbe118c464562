// lab boot: boot a guest's own kernel and initramfs with its disk, stream its
// serial console, type a passphrase from a key file when a prompt shows, and
// end when a marker line shows (or the guest ends, or time runs out).
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "common/args.h"
#include "common/error.h"
#include "lab/boot_watch.h"
#include "lab/lab.h"

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
  BootWatch watch;
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
  BootWatch& watch = options.watch;
  watch.marker = args.value("--marker").value_or("");
  if (config.kernel.empty() || config.initramfs.empty() || watch.marker.empty()) {
    Fail(kExitUsage) << "lab boot needs --kernel, --initrd and --marker (see --help)";
  }
  for (const std::string& path : {config.kernel, config.initramfs}) {
    if (!std::filesystem::is_regular_file(path)) Fail(kExitUsage) << path << ": no such file";
  }
  for (const std::string& disk : args.values("--disk")) add_boot_disk(config, disk);
  config.kernel_args = args.value("--append").value_or("");
  if (const auto answer = args.value("--answer")) watch.answers.push_back(*answer);
  watch.key_file = args.value("--key-file").value_or("");
  if (watch.answers.empty() != watch.key_file.empty()) {
    Fail(kExitUsage) << "lab boot: --answer and --key-file go together";
  }
  if (const auto timeout = args.number("--timeout")) watch.timeout_s = *timeout;
  if (const auto memory = args.number("--memory")) config.memory_mib = static_cast<int>(*memory);
  apply_lab_environment(config);
  return options;
}

}  // namespace

int lab_boot_command(const std::vector<std::string>& words) {
  if (std::find(words.begin(), words.end(), "--help") != words.end()) {
    std::cout << kLabBootHelp;
    return 0;
  }
  const LabBootOptions options = parse_lab_boot_options(words);
  return boot_and_watch(options.config, options.watch).code;
}

}  // namespace harness
