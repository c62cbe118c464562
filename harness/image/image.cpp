// The `image` and `checksum` commands: parse the words, do the work, report.
#include "image/image.h"

#include <iostream>

#include "common/args.h"
#include "common/error.h"
#include "image/checksum.h"
#include "image/image_build.h"
#include "image/offline_checksum.h"
#include "image/spec_fields.h"

namespace harness {

namespace {

const char kImageHelp[] =
    "Usage: pv2luks-harness image build SPEC OUT [--format raw|qcow2]\n"
    "\n"
    "Builds the disk image of the layout spec SPEC (images/*.json; the schema is in\n"
    "harness/image/layout_spec.h; msdos partitions with \"logical\": true go into an\n"
    "extended partition and are numbered from 5, docs/lab.md) on the host as root,\n"
    "with loop devices and LVM activation off. Writes OUT (raw by default) and OUT.manifest:\n"
    "  image <sha256> <size_bytes>\n"
    "  part <number> <sha256> <start_bytes> <size_bytes>\n"
    "  pv <partition|0> <start_bytes> <size_bytes> <pe_start_bytes> <pv_size_bytes> "
    "<tail_room_bytes>\n"
    "  vg <vg> <extent_size_bytes> <pe_count>\n"
    "  lv <vg>/<lv> <sha256> <size_bytes>\n"
    "  seg <vg>/<lv> <offset_bytes> <length_bytes>\n"
    "A bad spec exits 2 before any file is written; a failed build leaves no OUT.\n";

const char kChecksumHelp[] =
    "Usage: pv2luks-harness checksum VG... [--no-activate]\n"
    "       pv2luks-harness checksum --offline IMAGE [--partition N]\n"
    "\n"
    "Prints 'lv <vg>/<lv> <sha256> <size_bytes>' for each LV, sorted: the lv lines\n"
    "of an image's manifest.\n"
    "\n"
    "VG...: activates each VG (vgchange -ay, vgmknodes) unless --no-activate and\n"
    "reads its LVs. Needs device-mapper (run it in the lab guest).\n"
    "\n"
    "--offline IMAGE: a plaintext raw or qcow2 disk image on the host, as root,\n"
    "without device-mapper. qcow2 is first copied to a raw temporary file\n"
    "(qemu-img convert); the PV's partition (the one with an LVM label, or\n"
    "--partition N; 0 is the whole disk) gets a read-only loop device, and LVM's\n"
    "own report on it says where each LV lies.\n";

int print_lines(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) std::cout << line << "\n";
  std::cout.flush();
  if (!std::cout) Fail() << "checksum: writing to standard output failed";
  return 0;
}

std::optional<int> parse_partition(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  const auto number = parse_count(*text);
  if (!number || *number > 128) {
    Fail(kExitUsage) << "--partition takes a partition number (0 for the whole disk), not '"
                     << *text << "'";
  }
  return static_cast<int>(*number);
}

int checksum_offline_command(const Args& args) {
  if (!args.positional().empty() || args.has("--no-activate")) {
    Fail(kExitUsage) << "checksum --offline IMAGE takes no VG names and no --no-activate";
  }
  const std::optional<int> partition = parse_partition(args.value("--partition"));
  return print_lines(checksum_offline(*args.value("--offline"), partition));
}

ImageFormat parse_format(const std::optional<std::string>& text) {
  if (!text || *text == "raw") return ImageFormat::raw;
  if (*text == "qcow2") return ImageFormat::qcow2;
  Fail(kExitUsage) << "--format takes raw or qcow2, not '" << *text << "'";
}

}  // namespace

int image_command(const std::vector<std::string>& words) {
  if (!words.empty() && (words[0] == "--help" || words[0] == "-h")) {
    std::cout << kImageHelp;
    return 0;
  }
  if (words.empty() || words[0] != "build") {
    Fail(kExitUsage) << "image: say 'image build SPEC OUT' (see 'image --help')";
  }
  const Args args({words.begin() + 1, words.end()}, {"--format"}, {"--help"});
  if (args.has("--help")) {
    std::cout << kImageHelp;
    return 0;
  }
  if (args.positional().size() != 2) {
    Fail(kExitUsage) << "image build takes SPEC and OUT (see 'image --help')";
  }
  build_image(args.positional()[0], args.positional()[1], parse_format(args.value("--format")));
  return 0;
}

int checksum_command(const std::vector<std::string>& words) {
  const Args args(words, {"--offline", "--partition"}, {"--no-activate", "--help"});
  if (args.has("--help")) {
    std::cout << kChecksumHelp;
    return 0;
  }
  if (args.has("--offline")) return checksum_offline_command(args);
  if (args.has("--partition")) Fail(kExitUsage) << "checksum: --partition goes with --offline";
  if (args.positional().empty()) Fail(kExitUsage) << "checksum: name at least one VG";
  return print_lines(checksum_vgs(args.positional(), !args.has("--no-activate")));
}

}  // namespace harness
