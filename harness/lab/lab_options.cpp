#include "lab/lab_options.h"

#include <unistd.h>

#include <set>

#include "common/args.h"
#include "common/error.h"
#include "lab/software_tpm.h"

namespace harness {

const char kLabRunHelp[] =
    "Usage: pv2luks-harness lab run --disk NAME:SIZE[/SECTOR][:PATH] ... --script FILE\n"
    "         [--timeout S] [--power-cut-after S | --power-cut-on-line TEXT]\n"
    "         [--kernel BZIMAGE [--modules DIR]] [--result FILE] [--console-log FILE]\n"
    "         [--out DIR] [--tpm STATE_DIR] [--loop] [--host] [--keep]\n"
    "\n"
    "Boot the lab guest (Debian's kernel with device-mapper, under QEMU; KVM when\n"
    "a probe proves it works, TCG otherwise) and run FILE in it as root. The guest's\n"
    "root is the host's, read-only, so lvm, cryptsetup, dmsetup, fio, mkfs.ext4 and\n"
    "the freshly built pv2luks and pv2luks-harness are on PATH. Output streams to\n"
    "standard output; the lab's own messages start with 'lab:' on standard error.\n"
    "\n"
    "  --disk NAME:SIZE[/SECTOR][:PATH]\n"
    "                           a virtio disk, /dev/disk/by-serial/NAME in the guest\n"
    "                           ($LAB_DISKS/NAME). PATH is created sparse when missing\n"
    "                           and reused when present (a second run is a reboot);\n"
    "                           without PATH a scratch file lives for this run only.\n"
    "                           SIZE: 64M, 1G, ... or 'auto' for an existing PATH;\n"
    "                           raw or qcow2 (detected). SECTOR: 512 (default) or\n"
    "                           4096 for a 4Kn disk (not with --loop or --host).\n"
    "  --script FILE            the script to run (a shebang, or sh)\n"
    "  --timeout S              kill the guest after S seconds (default 600): exit 124\n"
    "  --power-cut-after S      SIGKILL QEMU S seconds after the script starts\n"
    "  --power-cut-on-line TEXT SIGKILL QEMU when a guest output line contains TEXT\n"
    "  --loop                   offer each disk as a loop device over a preallocated\n"
    "                           file on an ext4 scratch filesystem on its virtio disk\n"
    "  --host                   run FILE on this host over loop devices (needs the\n"
    "                           host kernel's device-mapper; exit 77 if it has none)\n"
    "  --out DIR                a host directory shared read-write as $LAB_OUT; it\n"
    "                           outlives the run (default: a directory of this run)\n"
    "  --keep                   keep the run directory and scratch disks\n"
    "  --tpm STATE_DIR          give the guest a TPM 2.0 (/dev/tpm0, /dev/tpmrm0):\n"
    "                           swtpm with its state in STATE_DIR (made when\n"
    "                           missing, mode 0700); the same STATE_DIR again is\n"
    "                           the same TPM, another is another machine's\n"
    "  --kernel BZIMAGE         boot this kernel (arch/x86/boot/bzImage of a kernel\n"
    "                           build, or a /boot/vmlinuz-*) instead of the host's\n"
    "                           newest /boot/vmlinuz-* (newest in version order);\n"
    "                           its version is read from the bzImage's header\n"
    "  --modules DIR            its modules: DIR/lib/modules/VERSION (make\n"
    "                           modules_install INSTALL_MOD_PATH=DIR) or that\n"
    "                           directory itself; default /lib/modules/VERSION when\n"
    "                           there, else none (a kernel with dm built in)\n"
    "  --result FILE            write the outcome as one JSON object: status,\n"
    "                           lab_ok, script_exit, exit_code, duration_s, boot_s,\n"
    "                           kernel, kernel_version, accelerator, console_log,\n"
    "                           message (written for every outcome but bad usage)\n"
    "  --console-log FILE       write every line of the guest's console to FILE\n"
    "\n"
    "In the guest: $LAB_DISKS holds the disk names, $LAB_OUT is a directory shared\n"
    "with the host (an fsync there reaches the host's file, so a power cut of the\n"
    "guest cannot lose it), $LAB_MODE is 'guest'.\n"
    "\n"
    "The power cut kills QEMU abruptly. Disks use cache=writeback: everything the\n"
    "guest flushed survives, and so may writes QEMU had already passed to the host\n"
    "that the guest never flushed (a real disk's volatile cache could lose them).\n"
    "What it loses: the guest's page cache, writes queued inside the guest and\n"
    "QEMU's in-flight requests.\n"
    "\n"
    "Exit codes (the script's own code is never passed through: it is on the\n"
    "'lab: script exited N' line and in --result's script_exit):\n"
    "    0  the script ran and exited 0, or a requested power cut happened\n"
    "    1  the script ran and exited non-zero (the lab worked)\n"
    "    2  bad usage or input; nothing was started\n"
    "    3  a power cut was requested but the script ended first\n"
    "   77  --host on a host kernel without device-mapper (skip)\n"
    "  124  timeout: the guest did not finish within --timeout\n"
    "  125  the lab failed: not a kernel, no initramfs, QEMU did not start or\n"
    "       crashed, the guest did not boot or its init failed\n"
    "  128+N  the harness got signal N; QEMU was killed\n";

LabRunOptions parse_lab_run_options(const std::vector<std::string>& words) {
  const Args args(words,
                  {"--disk", "--script", "--timeout", "--power-cut-after", "--power-cut-on-line",
                   "--out", "--kernel", "--modules", "--result", "--console-log", "--tpm"},
                  {"--loop", "--host", "--keep", "--help"});
  if (!args.positional().empty()) {
    Fail(kExitUsage) << "lab run: unexpected argument '" << args.positional()[0] << "'";
  }
  LabRunOptions options;
  std::set<std::string> names;
  for (const auto& spec : args.values("--disk")) {
    options.disks.push_back(parse_disk_spec(spec));
    if (!names.insert(options.disks.back().name).second) {
      Fail(kExitUsage) << "lab run: disk name '" << options.disks.back().name
                       << "' given twice";
    }
  }
  const auto script = args.value("--script");
  if (!script) Fail(kExitUsage) << "lab run: --script FILE is required";
  if (::access(script->c_str(), R_OK) != 0) {
    Fail(kExitUsage) << "lab run: script " << *script << ": cannot read it: " << errno_string();
  }
  options.script = *script;
  if (const auto timeout = args.number("--timeout")) options.timeout_s = *timeout;
  options.power_cut_after_s = args.number("--power-cut-after");
  options.power_cut_on_line = args.value("--power-cut-on-line");
  if (options.power_cut_after_s && options.power_cut_on_line) {
    Fail(kExitUsage) << "lab run: give --power-cut-after or --power-cut-on-line, not both";
  }
  if (options.power_cut_on_line && options.power_cut_on_line->empty()) {
    Fail(kExitUsage) << "lab run: --power-cut-on-line needs a non-empty TEXT";
  }
  options.loop = args.has("--loop");
  options.host = args.has("--host");
  options.keep = args.has("--keep");
  if (const auto out = args.value("--out")) {
    if (::access(out->c_str(), W_OK) != 0) {
      Fail(kExitUsage) << "lab run: --out " << *out << ": not a writable directory: "
                       << errno_string();
    }
    options.out_dir = *out;
  }
  options.kernel = args.value("--kernel").value_or("");
  options.modules = args.value("--modules").value_or("");
  if (!options.modules.empty() && options.kernel.empty()) {
    Fail(kExitUsage) << "lab run: --modules goes with --kernel BZIMAGE";
  }
  if (!options.kernel.empty() && options.host) {
    Fail(kExitUsage) << "lab run: --kernel boots a guest; drop --host";
  }
  options.result_file = args.value("--result").value_or("");
  options.console_log = args.value("--console-log").value_or("");
  for (const DiskSpec& disk : options.disks) {
    // Loop devices (--loop in the guest, every disk with --host) have 512-byte
    // sectors here; a 4Kn disk is a virtio disk only.
    if (disk.sector_bytes != 512 && (options.loop || options.host)) {
      Fail(kExitUsage) << "lab run: disk " << disk.name << ": a " << disk.sector_bytes
                       << "-byte sector needs a plain virtio disk; drop --loop and --host";
    }
  }
  options.tpm_state = args.value("--tpm").value_or("");
  check_tpm_state_dir(options.tpm_state, "lab run");
  if (!options.tpm_state.empty() && options.host) {
    Fail(kExitUsage) << "lab run: --tpm gives the QEMU guest a TPM; drop --host";
  }
  if (options.host && (options.power_cut_after_s || options.power_cut_on_line)) {
    Fail(kExitUsage) << "lab run: power cuts need the QEMU guest; drop --host";
  }
  return options;
}

}  // namespace harness
