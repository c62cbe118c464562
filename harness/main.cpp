// pv2luks-harness: the lab that proves pv2luks. A table of commands; each one
// parses its words, does its work and returns an exit code. Errors are thrown
// as harness::Error and reported here, once.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "base/error.h"
#include "common/error.h"
#include "image/image.h"
#include "lab/lab.h"
#include "load/load.h"

namespace {

const char kHelp[] =
    "Usage: pv2luks-harness COMMAND ...\n"
    "\n"
    "The lab that proves pv2luks: QEMU guests with device-mapper, LVM layouts on\n"
    "virtio or loop disks, disk images, filesystem load, power cuts and checksums.\n"
    "\n"
    "Commands:\n"
    "  lab run --disk NAME:SIZE[/SECTOR][:PATH] ... --script FILE [--timeout S]\n"
    "          [--power-cut-after S | --power-cut-on-line TEXT] [--out DIR]\n"
    "          [--kernel BZIMAGE [--modules DIR]] [--result FILE]\n"
    "          [--console-log FILE] [--loop] [--host] [--keep]\n"
    "      Boot the guest kernel with the named disks and run FILE as root in it.\n"
    "      Streams the guest's output; exits 0 when the script exited 0, 1 when\n"
    "      it exited non-zero (its code is in --result FILE), another code when\n"
    "      the lab failed (see 'lab run --help').\n"
    "  lab boot --kernel FILE --initrd FILE --disk PATH ... --marker TEXT\n"
    "          [--append ARGS] [--answer TEXT --key-file FILE] [--timeout S]\n"
    "      Boot a guest's own kernel, initramfs and disks; type a key file's bytes\n"
    "      at a console prompt; exit 0 when a console line shows the marker.\n"
    "  vm build --distro debian OUT.img [--size S] [--tail-room MIB]\n"
    "      Build a bootable Debian 12 image, root on LVM, pv2luks installed.\n"
    "  vm run IMG --script FILE [--file PATH]... [--passphrase-file F]\n"
    "          [--timeout S] [--power-cut-on-line TEXT]\n"
    "      Boot it (its own kernel and initramfs), run FILE as root once systemd\n"
    "      is up, type the passphrase at the unlock prompt; the script's exit code.\n"
    "  image build SPEC OUT [--format raw|qcow2]\n"
    "      Build a disk image from a layout spec (images/*.json) on the host, and\n"
    "      write OUT.manifest with the sha256 of every LV and of the image.\n"
    "  checksum VG... [--no-activate]\n"
    "      Print the sha256 of every LV of each VG, activating them as needed.\n"
    "  checksum --offline IMAGE [--partition N]\n"
    "      The same for a plaintext raw or qcow2 image on the host, without\n"
    "      device-mapper (read-only loop device, LVM's own report).\n"
    "  load start|stop|verify ...\n"
    "      Filesystem and raw-LV load with a log of every acknowledged write.\n"
    "\n"
    "Run 'pv2luks-harness COMMAND --help' for a command's options.\n"
    "\n"
    "Exit codes: 0 success, 1 failure (a check failed; for 'lab run', the\n"
    "script exited non-zero), 2 bad usage or bad input, 124 guest timed out,\n"
    "125 the lab itself failed (QEMU, guest boot); 'vm run' passes the\n"
    "script's own code through.\n"
    "\n"
    "Files: its guest recipes are in ../share/pv2luks-harness beside the\n"
    "executable (PV2LUKS_HARNESS_DATA overrides; PV2LUKS_QEMU_DIR for qemu/).\n";

using Command = std::function<int(const std::vector<std::string>&)>;

// The command tree on CLI11: each leaf takes the rest of the words as they
// are (prefix_command) and parses them itself, printing its own --help.
struct Leaf {
  CLI::App* app;
  Command run;
};

std::string unknown_word(const std::vector<std::string>& extras) {
  return extras.empty() ? "" : extras.front();
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    std::fputs(kHelp, words.empty() ? stderr : stdout);
    return words.empty() ? harness::kExitUsage : 0;
  }
  if (words[0] == "--version") {
    std::printf("pv2luks-harness %s\n", PV2LUKS_VERSION);
    return 0;
  }
  CLI::App app("pv2luks-harness", "pv2luks-harness");
  app.set_help_flag();
  app.require_subcommand(1);
  CLI::App* lab = app.add_subcommand("lab", "the QEMU lab guest");
  lab->set_help_flag();
  lab->require_subcommand(1);
  const std::vector<Leaf> leaves = {
      {lab->add_subcommand("run", "boot the guest, run a script"), harness::lab_run_command},
      {lab->add_subcommand("boot", "boot a guest's own kernel to a marker"),
       harness::lab_boot_command},
      {app.add_subcommand("vm", "build or run a Debian VM image"), harness::vm_command},
      {app.add_subcommand("image", "build a disk image from a layout spec"),
       harness::image_command},
      {app.add_subcommand("checksum", "sha256 of every LV"), harness::checksum_command},
      {app.add_subcommand("load", "filesystem and raw-LV load"), harness::load_command},
  };
  for (const Leaf& leaf : leaves) {
    leaf.app->set_help_flag();
    leaf.app->prefix_command();
  }
  std::vector<std::string> reversed(words.rbegin(), words.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError&) {
    if (lab->parsed() && lab->get_subcommands().empty()) {
      const std::string word = unknown_word(lab->remaining());
      if (word.empty() || word == "--help" || word == "-h") {
        std::cerr << "pv2luks-harness: lab needs run or boot: 'lab run --help', 'lab boot --help'\n";
      } else {
        std::cerr << "pv2luks-harness: lab: unknown command '" << word << "' (run or boot)\n";
      }
      return harness::kExitUsage;
    }
    std::cerr << "pv2luks-harness: unknown command '" << words[0] << "' (see --help)\n";
    return harness::kExitUsage;
  }
  for (const Leaf& leaf : leaves) {
    if (!leaf.app->parsed()) continue;
    try {
      return leaf.run(leaf.app->remaining());
    } catch (const harness::Error& e) {
      std::cerr << "pv2luks-harness: " << e.what() << "\n";
      return e.exit_code();
    } catch (const pv2luks::Error& e) {  // from the shared process runner
      std::cerr << "pv2luks-harness: " << e.what() << "\n";
      return harness::kExitFailure;
    } catch (const std::exception& e) {
      std::cerr << "pv2luks-harness: internal error: " << e.what() << "\n";
      return harness::kExitFailure;
    }
  }
  std::cerr << "pv2luks-harness: unknown command '" << words[0] << "' (see --help)\n";
  return harness::kExitUsage;
}
