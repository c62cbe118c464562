// vm build: a bootable Debian image with root on LVM and pv2luks installed
// (harness/debian-image.sh); vm run: boot it with its own kernel and
// initramfs, run a script in it as root once systemd reached multi-user,
// type the passphrase at the initramfs's prompt, exit with the script's code.
#include <boost/process.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "base/json.h"
#include "base/key_value.h"
#include "common/args.h"
#include "common/error.h"
#include "common/process.h"
#include "lab/boot_watch.h"
#include "lab/data_dir.h"
#include "lab/lab.h"
#include "lab/software_tpm.h"

namespace harness {
namespace {

namespace bp = boost::process;
namespace fs = std::filesystem;

const char kVmBuildHelp[] =
    "Usage: pv2luks-harness vm build --distro debian OUT.img [--size S]\n"
    "         [--tail-room MIB] [--format raw|qcow2]\n"
    "         [--initramfs initramfs-tools|dracut] [--label gpt|msdos]\n"
    "\n"
    "Build a bootable Debian 12 image (harness/debian-image.sh): /boot (ext4) on\n"
    "partition 1, an LVM PV with VG guestvg and LV root (ext4), systemd, udev,\n"
    "lvm2 and cryptsetup from debootstrap, and pv2luks installed with\n"
    "`cmake --install` from a build of this tree without libguestfs, its\n"
    "initramfs hook or dracut module in the image's initramfs. The debootstrap\n"
    "result is cached by its recipe (each variant apart), the whole image by\n"
    "that and pv2luks's files (under PV2LUKS_LAB_CACHE). Writes OUT.img.boot\n"
    "(kernel version, /boot partition, root device, the PV's device in the\n"
    "guest, boot method) beside it.\n"
    "\n"
    "  --size S          disk size (default 2G)\n"
    "  --tail-room MIB   free room after the PV (default 32: a LUKS2 header's\n"
    "                    16 MiB and the journal's 1 MiB fit)\n"
    "  --initramfs T     initramfs-tools (default: with cryptsetup-initramfs)\n"
    "                    or dracut (Debian's dracut package instead)\n"
    "  --label L         gpt (default): the PV on partition 2 (/dev/vda2), no\n"
    "                    boot loader (vm run boots /boot's kernel with -kernel);\n"
    "                    msdos: as Debian's BIOS installer, the PV on logical\n"
    "                    partition 5 (/dev/vda5) in extended partition 2, and\n"
    "                    GRUB (i386-pc) in the MBR and on /boot, booted by the\n"
    "                    BIOS\n"
    "\n"
    "Needs root, debootstrap and network access to a Debian mirror the first\n"
    "time (PV2LUKS_DEBIAN_MIRROR).\n";

const char kVmRunHelp[] =
    "Usage: pv2luks-harness vm run IMG --script FILE [--file PATH]...\n"
    "         [--passphrase-file F] [--timeout S] [--power-cut-on-line TEXT]\n"
    "         [--memory MIB] [--tpm STATE_DIR]\n"
    "\n"
    "Boot IMG (made by vm build) under QEMU as IMG.boot says: boot=grub, from\n"
    "the disk (SeaBIOS, the image's GRUB); otherwise with its own kernel and\n"
    "initramfs, read from its /boot partition with debugfs at every run (so a\n"
    "rebuilt initramfs is the one that boots), and root=ROOT. FILE and\n"
    "every --file are put on a second disk (ext4, serial disk1); once systemd\n"
    "reached multi-user.target, the image's pv2luks-booted.service mounts it\n"
    "and runs `bash run.sh` there as root, its output on the serial console,\n"
    "then prints 'PV2LUKS-VM-EXIT <code>' and powers off. A reboot is a second\n"
    "vm run. The console streams to standard output.\n"
    "\n"
    "  --passphrase-file F   when the initramfs asks 'Please unlock disk'\n"
    "                        (initramfs-tools' cryptsetup), 'Please enter\n"
    "                        passphrase for disk' (dracut's systemd-cryptsetup)\n"
    "                        or 'Enter the passphrase for' (pv2luks after a\n"
    "                        conversion was cut short), type F's bytes\n"
    "                        and Enter, as a person would (once; a second\n"
    "                        prompt means the passphrase was refused)\n"
    "  --power-cut-on-line TEXT\n"
    "                        SIGKILL QEMU as soon as a console line holds TEXT\n"
    "  --timeout S           kill QEMU after S seconds (default 1800)\n"
    "  --memory MIB          guest memory (default 1024)\n"
    "  --tpm STATE_DIR       a TPM 2.0 for the guest: swtpm with its state in\n"
    "                        STATE_DIR (made when missing, mode 0700), so runs\n"
    "                        with one STATE_DIR are one machine and another\n"
    "                        STATE_DIR is another machine\n"
    "\n"
    "Exit codes: the script's own code; 0 after the power cut asked for; 1 the\n"
    "guest ended without running the script (for example a boot that never\n"
    "found its root) or refused the passphrase; 2 bad usage; 124 timeout;\n"
    "125 QEMU failed.\n";

bool wants_help(const std::vector<std::string>& words) {
  return std::find(words.begin(), words.end(), "--help") != words.end();
}

// The build directory this harness binary belongs to (BUILD/harness/).
fs::path build_dir() { return fs::canonical("/proc/self/exe").parent_path().parent_path(); }

int vm_build(const std::vector<std::string>& words) {
  const Args args(words,
                  {"--distro", "--size", "--tail-room", "--format", "--initramfs", "--label"}, {});
  if (args.positional().size() != 1) Fail(kExitUsage) << "vm build needs one OUT.img (see --help)";
  if (args.value("--distro").value_or("") != "debian") {
    Fail(kExitUsage) << "vm build: --distro debian is the one distribution it builds";
  }
  std::vector<std::string> argv = {args.positional()[0], "--with-pv2luks", "--cache",
                                   "--build-dir", build_dir().string()};
  const std::string initramfs = args.value("--initramfs").value_or("initramfs-tools");
  if (initramfs != "initramfs-tools" && initramfs != "dracut") {
    Fail(kExitUsage) << "vm build: --initramfs takes initramfs-tools or dracut, not '"
                     << initramfs << "'";
  }
  const std::string label = args.value("--label").value_or("gpt");
  if (label != "gpt" && label != "msdos") {
    Fail(kExitUsage) << "vm build: --label takes gpt or msdos, not '" << label << "'";
  }
  for (const char* option : {"--size", "--tail-room", "--format", "--initramfs", "--label"}) {
    if (const auto value = args.value(option)) argv.insert(argv.end(), {option, *value});
  }
  bp::child script(harness_data_dir() + "/debian-image.sh", argv);
  script.wait();
  return script.exit_code() == 0 ? 0 : kExitFailure;
}

// IMG.boot's KEY=value lines; `fallback` for a key older images lack.
std::string boot_value(const std::string& image, const std::string& key,
                       const char* fallback = nullptr) {
  std::ifstream in(image + ".boot");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string value = pv2luks::key_value(text, key);
  if (value.empty() && fallback) return fallback;
  if (value.empty()) Fail(kExitUsage) << image << ".boot: no " << key << " (made by vm build?)";
  return value;
}

// Byte offset of partition `number` (1-based), from sfdisk's JSON.
std::uint64_t partition_offset_bytes(const std::string& image, int number) {
  const auto table = pv2luks::parse_json(run_checked({"sfdisk", "--json", image}), "sfdisk")
                         .get_child("partitiontable");
  const std::uint64_t sector = table.get<std::uint64_t>("sectorsize", 512);
  int index = 1;
  for (const auto& [unused, partition] : table.get_child("partitions")) {
    if (index++ == number) return partition.get<std::uint64_t>("start") * sector;
  }
  Fail(kExitUsage) << image << ": no partition " << number;
}

// vmlinuz-V and initrd.img-V from the image's /boot partition, into `dir`.
void extract_boot_files(const std::string& image, const fs::path& dir, BootConfig& config) {
  const std::string version = boot_value(image, "kernel_version");
  const std::uint64_t offset =
      partition_offset_bytes(image, std::stoi(boot_value(image, "boot_partition")));
  const std::string source = image + "?offset=" + std::to_string(offset);
  for (const std::string& name : {"vmlinuz-" + version, "initrd.img-" + version}) {
    const fs::path target = dir / name;
    run_checked({"debugfs", "-R", "dump /" + name + " " + target.string(), source});
    if (!fs::exists(target) || fs::file_size(target) == 0) {
      Fail(kExitLab) << image << ": no /" << name << " on its /boot partition";
    }
  }
  config.kernel = (dir / ("vmlinuz-" + version)).string();
  config.initramfs = (dir / ("initrd.img-" + version)).string();
}

// The script disk: an ext4 image holding run.sh and the --file copies.
std::string script_disk(const Args& args, const fs::path& dir) {
  const fs::path content = dir / "script";
  fs::create_directories(content);
  fs::copy_file(*args.value("--script"), content / "run.sh");
  for (const std::string& file : args.values("--file")) {
    fs::copy_file(file, content / fs::path(file).filename());
  }
  const std::string disk = (dir / "script.ext4").string();
  run_checked({"mkfs.ext4", "-q", "-F", "-L", "pv2luks-vm", "-d", content.string(), disk, "64M"});
  return disk;
}

int vm_run(const std::vector<std::string>& words) {
  const Args args(words,
                  {"--script", "--file", "--passphrase-file", "--timeout", "--power-cut-on-line",
                   "--memory", "--tpm"},
                  {});
  if (args.positional().size() != 1 || !args.value("--script")) {
    Fail(kExitUsage) << "vm run needs IMG and --script FILE (see --help)";
  }
  const std::string image = args.positional()[0];
  for (const std::string& path : args.values("--file")) {
    if (!fs::is_regular_file(path)) Fail(kExitUsage) << path << ": no such file";
  }
  if (!fs::is_regular_file(*args.value("--script"))) {
    Fail(kExitUsage) << *args.value("--script") << ": no such file";
  }
  check_tpm_state_dir(args.value("--tpm").value_or(""), "vm run");
  char dir_template[] = "/tmp/pv2luks-vm.XXXXXX";
  if (!::mkdtemp(dir_template)) Fail(kExitLab) << "mkdtemp: " << errno_string();
  const fs::path dir = dir_template;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};

  BootConfig config;
  const std::string boot = boot_value(image, "boot", "kernel");
  if (boot == "kernel") {
    extract_boot_files(image, dir, config);
    config.kernel_args = "root=" + boot_value(image, "root") + " ro panic=10";
  } else if (boot != "grub") {
    Fail(kExitUsage) << image << ".boot: boot=" << boot << " is neither kernel nor grub";
  }
  add_boot_disk(config, image);
  add_boot_disk(config, script_disk(args, dir));
  if (const auto memory = args.number("--memory")) config.memory_mib = static_cast<int>(*memory);
  apply_lab_environment(config);
  std::optional<SoftwareTpm> tpm;  // after cleanup: gone before the directory
  if (const auto state = args.value("--tpm")) {
    tpm.emplace(*state, dir.string());
    config.tpm_socket = tpm->socket();
  }

  BootWatch watch;
  watch.marker = "PV2LUKS-VM-EXIT ";
  watch.timeout_s = args.number("--timeout").value_or(1800);
  watch.cut_on_line = args.value("--power-cut-on-line");
  if (const auto key = args.value("--passphrase-file")) {
    // initramfs-tools' cryptsetup prompt, systemd-cryptsetup's in dracut's
    // initramfs (no line break after it), and pv2luks's own in the
    // initramfs after a conversion was cut short.
    watch.answers = {"Please unlock disk", "Please enter passphrase for disk",
                     "Enter the passphrase for"};
    watch.key_file = *key;
  }
  const BootResult result = boot_and_watch(config, watch);
  if (result.cut || result.code != 0) return result.code;
  std::istringstream line(result.marker_line.substr(result.marker_line.find(watch.marker) +
                                                    watch.marker.size()));
  int code = kExitFailure;
  line >> code;
  return code;
}

}  // namespace

int vm_command(const std::vector<std::string>& words) {
  if (words.empty()) Fail(kExitUsage) << "vm needs build or run (see 'vm build --help')";
  const std::vector<std::string> rest(words.begin() + 1, words.end());
  if (words[0] == "build") {
    if (wants_help(rest)) return std::cout << kVmBuildHelp, 0;
    return vm_build(rest);
  }
  if (words[0] == "run") {
    if (wants_help(rest)) return std::cout << kVmRunHelp, 0;
    return vm_run(rest);
  }
  Fail(kExitUsage) << "vm: unknown command '" << words[0] << "' (build or run)";
}

}  // namespace harness
