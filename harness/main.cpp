// pv2luks-harness: the lab that proves pv2luks. A table of commands; each one
// parses its words, does its work and returns an exit code. Errors are thrown
// as harness::Error and reported here, once.
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
    "          [--loop] [--host] [--keep]\n"
    "      Boot the guest kernel with the named disks and run FILE as root in it.\n"
    "      Streams the guest's output; exits with the script's exit code.\n"
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
    "Exit codes: the script's own code for 'lab run'; otherwise 0 success,\n"
    "1 failure (a check failed), 2 bad usage or bad input, 124 guest timed out,\n"
    "125 the lab itself failed (QEMU, guest boot).\n";

using Command = std::function<int(const std::vector<std::string>&)>;

struct Entry {
  std::vector<std::string> words;  // the command's leading words
  Command run;
};

const std::vector<Entry>& commands() {
  static const std::vector<Entry> table = {
      {{"lab", "run"}, harness::lab_run_command},
      {{"lab", "boot"}, harness::lab_boot_command},
      {{"vm"}, harness::vm_command},
      {{"image"}, harness::image_command},
      {{"checksum"}, harness::checksum_command},
      {{"load"}, harness::load_command},
  };
  return table;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h") {
    std::fputs(kHelp, words.empty() ? stderr : stdout);
    return words.empty() ? harness::kExitUsage : 0;
  }
  if (words[0] == "--version") {
    std::printf("pv2luks-harness %s\n", PV2LUKS_VERSION);
    return 0;
  }
  for (const Entry& entry : commands()) {
    if (words.size() < entry.words.size() ||
        !std::equal(entry.words.begin(), entry.words.end(), words.begin())) {
      continue;
    }
    try {
      return entry.run({words.begin() + static_cast<long>(entry.words.size()), words.end()});
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
