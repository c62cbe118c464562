// pv2luks: the command-line front end, a table of actions. Each action is
// parse (args.h) -> one library call -> report (report.h).
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "args.h"
#include "hardening.h"
#include "pv2luks/pv2luks.h"
#include "report.h"

namespace {

using namespace cli;

const char kHelp[] =
    "Usage: pv2luks ACTION [OPTIONS]\n"
    "\n"
    "Convert an LVM physical volume into LVM-on-LUKS in place: the PV's data\n"
    "moves toward the end of its partition by the LUKS header size and is\n"
    "encrypted on the way; the LUKS header lands at the front.\n"
    "\n"
    "Actions:\n"
    "  convert DEVICE   convert the active PV on DEVICE live; its LVs stay in use\n"
    "  convert --offline IMAGE\n"
    "                   convert the PV in a VM disk image (raw or qcow2) or on an\n"
    "                   unused device, in userspace, without device-mapper\n"
    "  resume [--offline] DEVICE|IMAGE\n"
    "                   finish a conversion that a crash, a power cut or a signal\n"
    "                   interrupted, from the journal at the device's end\n"
    "  status [--offline] DEVICE|IMAGE\n"
    "                   say whether it is being converted and how far it got\n"
    "  flatten [VG|CRYPT]\n"
    "                   map every LV of an LVM-on-LUKS VG straight onto the\n"
    "                   LUKS device's disk with crypt targets, live: one\n"
    "                   device-mapper layer instead of two (default: the only\n"
    "                   LVM-on-LUKS VG; CRYPT is the crypt device's dm name)\n"
    "  unflatten [VG|CRYPT]\n"
    "                   map the LVs back onto the crypt device, as before\n"
    "  status [VG|CRYPT]\n"
    "                   say whether a VG (default: every one on LUKS) is\n"
    "                   layered, flattened or partly flattened\n"
    "  verify --offline IMAGE\n"
    "                   open the converted image in userspace and print the\n"
    "                   sha256 of every LV (as pv2luks-harness checksum does)\n"
    "\n"
    "Options of convert (named as in cryptsetup):\n"
    "  --type luks2|luks1           header format (default luks2)\n"
    "  --key-file FILE|-            passphrase from FILE, or all of stdin with '-';\n"
    "                               without it: the terminal, asked twice\n"
    "  --cipher CIPHER-MODE         data cipher (default aes-xts-plain64)\n"
    "  --key-size BITS              volume key size (default 512, for aes-xts)\n"
    "  --pbkdf argon2id|pbkdf2      keyslot PBKDF (default: the type's own)\n"
    "  --pbkdf-force-iterations N   PBKDF iterations, no benchmark\n"
    "  --iter-time MS               PBKDF benchmark target\n"
    "  --make-room                  when the room after the PV is short but the\n"
    "                               PV's last extents are free, shrink the PV\n"
    "                               (pvresize) to make it; without it such a PV\n"
    "                               is refused with the commands that would help\n"
    "  --update-crypttab            add the crypttab line to the crypttab (where\n"
    "                               dracut builds the initramfs, also\n"
    "                               dracut.conf.d/90-pv2luks-NAME.conf beside it)\n"
    "  --crypttab FILE              the crypttab to read and update (default\n"
    "                               /etc/crypttab)\n"
    "  --offline                    IMAGE is a disk image or an unused device\n"
    "  --partition N                offline: the PV's partition (default: the one\n"
    "                               partition, or the whole disk, holding a PV)\n"
    "  --guest-config               offline: through libguestfs, add the crypttab\n"
    "                               line inside the guest and rebuild its\n"
    "                               initramfs (Debian and Ubuntu guests with\n"
    "                               cryptsetup-initramfs, guests whose initramfs\n"
    "                               dracut builds; others are left as they\n"
    "                               are, with what they need); the guest is\n"
    "                               inspected before anything is written. It\n"
    "                               runs pv2luks-guest-config (libguestfs), from\n"
    "                               the package of that name\n"
    "  --dry-run                    check and print the plan and the tables each\n"
    "                               phase loads (keys redacted); write nothing\n"
    "  --progress-json              progress as one JSON object per line on stdout\n"
    "  --yes                        do not ask for confirmation (needed when there\n"
    "                               is no terminal to ask on)\n"
    "\n"
    "  -h, --help       show this help and exit\n"
    "  -V, --version    show the version and exit\n"
    "\n"
    "Before anything is written, convert asks for confirmation on the terminal\n"
    "(type YES) unless --yes is given.\n"
    "\n"
    "Until the LUKS header is written, the VG does not autoactivate (convert\n"
    "turns it off and tags the VG pv2luks_converting), so no boot mounts the\n"
    "half-converted partition. After a power cut, the initramfs hook installed\n"
    "with pv2luks (initramfs-tools or dracut; rebuild the initramfs before\n"
    "converting) asks for the\n"
    "passphrase and maps the PV, and 'pv2luks resume DEVICE --update-crypttab'\n"
    "finishes under the running system.\n"
    "\n"
    "Options of resume:\n"
    "  --key-file FILE|-            the passphrase given to convert\n"
    "  --activate-only              only set up /dev/mapper/DEV_crypt in the\n"
    "                               journal's state, so the VG can be activated\n"
    "                               before resuming\n"
    "  --update-crypttab, --crypttab FILE\n"
    "                               as for convert, once the conversion is finished\n"
    "  --progress-json, --yes       as for convert\n"
    "  --offline, --partition N     as for convert\n"
    "  --guest-config               as for convert, once the conversion is finished\n"
    "\n"
    "Options of flatten and unflatten:\n"
    "  --key-file FILE|-            the passphrase, when the volume key must come\n"
    "                               from the LUKS header: the kernel holds it as a\n"
    "                               keyring key (as cryptsetup opens LUKS2), or\n"
    "                               unflatten reopens a crypt device closed while\n"
    "                               flattened (name it then)\n"
    "\n"
    "While flattened, the crypt device stays open under the VG (LVM still sees\n"
    "its PV there) and the dm device pv2luks-flat-CRYPT holds it, so\n"
    "'cryptsetup close' refuses; the VG carries the tag pv2luks_flattened.\n"
    "Unflatten before changing LVM metadata: an LVM command that reloads an LV\n"
    "maps it onto the crypt device again (the same bytes, two layers), and\n"
    "status shows the VG as partly flattened. A reboot unflattens; the tag\n"
    "stays until 'pv2luks unflatten'.\n"
    "\n"
    "Options of verify:\n"
    "  --key-file FILE|-            the passphrase\n"
    "  --partition N                the LUKS partition (default: the one there)\n"
    "\n"
    "Offline, a qcow2 image is read and written through qemu-storage-daemon's\n"
    "FUSE export; a qcow2 image with a backing file, internal snapshots or\n"
    "compressed clusters (their plaintext would stay in the file) or damage\n"
    "'qemu-img check' finds is refused. Every sector of the PV, used or free,\n"
    "is encrypted, so holes in a sparse image are filled. An image a running\n"
    "QEMU or another pv2luks has open is refused.\n"
    "\n"
    "Crash safety: before the first data sector moves, the LUKS header (with the\n"
    "volume key in keyslot 0) and the plan are written to a journal in the\n"
    "device's last MiB; each chunk is committed there once it is durable. After\n"
    "a power cut, or if pv2luks is killed, 'pv2luks resume DEVICE' finishes.\n"
    "SIGINT, SIGTERM and SIGHUP stop it after the chunk in flight.\n"
    "\n"
    "Exit codes: 0 done; 1 refused, nothing written; 2 bad usage;\n"
    "3 stopped by a signal (resume finishes); 4 failed after the disk was\n"
    "written (the message says what state it is in and how to resume).\n";

int usage(const std::string& action, const std::string& problem) {
  std::fprintf(stderr, "pv2luks %s: %s (see 'pv2luks --help')\n", action.c_str(), problem.c_str());
  return kExitUsage;
}

int convert_action(const std::vector<std::string>& words) {
  ConvertCli args;
  if (const std::string problem = parse_convert(words, args); !problem.empty()) {
    return usage("convert", problem);
  }
  if (!args.yes) args.options.confirm = confirm_on_terminal;
  ProgressReport progress(args.progress_json);
  const auto convert = args.options.offline ? pv2luks::convert_offline : pv2luks::convert_live;
  return report(convert(args.options, say, std::ref(progress)), args.options.device,
                args.options.dry_run);
}

int resume_action(const std::vector<std::string>& words) {
  ResumeCli args;
  if (const std::string problem = parse_resume(words, args); !problem.empty()) {
    return usage("resume", problem);
  }
  if (!args.yes) args.options.confirm = confirm_on_terminal;
  ProgressReport progress(args.progress_json);
  return report(pv2luks::resume_conversion(args.options, say, std::ref(progress)),
                args.options.device, false);
}

// A DEVICE (a path): exit 0 when a conversion is in progress (its journal
// is good); 1: none, or a journal that fails its checks (the message says
// which). A VG or crypt name, or none: the flattening state, exit 0 when
// the stack was found.
int status_action(const std::vector<std::string>& words) {
  StatusCli args;
  if (const std::string problem = parse_status(words, args); !problem.empty()) {
    return usage("status", problem);
  }
  const bool device = names_a_file(args.device);
  const pv2luks::ConvertResult result =
      args.offline ? pv2luks::offline_conversion_status(args.device, args.partition, say)
      : device     ? pv2luks::conversion_status(args.device, say)
                   : pv2luks::flatten_status(args.device, say);
  if (result.status == pv2luks::ConvertStatus::kDone) return kExitOk;
  say(result.message);
  return kExitRefused;
}

// Prints the LV lines on stdout. Exit 0: the volume opened and every LV was
// read; 1: refused (the message says why).
int verify_action(const std::vector<std::string>& words) {
  pv2luks::VerifyOptions options;
  if (const std::string problem = parse_verify(words, options); !problem.empty()) {
    return usage("verify", problem);
  }
  const pv2luks::VerifyResult result = pv2luks::verify_offline(options, say);
  if (result.status != pv2luks::ConvertStatus::kDone) {
    say(result.message + "; nothing written");
    return kExitRefused;
  }
  for (const std::string& line : result.lv_lines) std::printf("%s\n", line.c_str());
  return kExitOk;
}

// Exit 0: done (or nothing to do); 1: refused, nothing changed; 4: a table
// swap failed part way (the message says what state the VG is in).
int flatten_action(const std::string& action, const std::vector<std::string>& words,
                   pv2luks::ConvertResult (*run)(const pv2luks::FlattenOptions&,
                                                 const pv2luks::MessageFn&)) {
  pv2luks::FlattenOptions options;
  if (const std::string problem = parse_flatten(words, options); !problem.empty()) {
    return usage(action, problem);
  }
  const pv2luks::ConvertResult result = run(options, say);
  switch (result.status) {
    case pv2luks::ConvertStatus::kDone: return kExitOk;
    case pv2luks::ConvertStatus::kRefused: say(result.message + "; nothing was changed"); return kExitRefused;
    default: say(result.message); return kExitFailed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (const std::string problem = harden(); !problem.empty()) {
    std::fprintf(stderr, "pv2luks: cannot keep keys out of core dumps and swap: %s\n",
                 problem.c_str());
    return kExitRefused;
  }
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty()) {
    std::fputs(kHelp, stderr);
    return kExitUsage;
  }
  if (words[0] == "-h" || words[0] == "--help") {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  if (words[0] == "-V" || words[0] == "--version") {
    std::printf("pv2luks %.*s%s\n", static_cast<int>(pv2luks::version().size()),
                pv2luks::version().data(),
                pv2luks::test_hooks_built() ? " (a test build: test hooks compiled in)" : "");
    return kExitOk;
  }
  const std::map<std::string, std::function<int(const std::vector<std::string>&)>> actions = {
      {"convert", convert_action},
      {"resume", resume_action},
      {"status", status_action},
      {"verify", verify_action},
      {"flatten", [](const auto& w) { return flatten_action("flatten", w, pv2luks::flatten_vg); }},
      {"unflatten",
       [](const auto& w) { return flatten_action("unflatten", w, pv2luks::unflatten_vg); }},
  };
  const auto action = actions.find(words[0]);
  if (action == actions.end()) {
    std::fprintf(stderr, "pv2luks: unknown action '%s'; see 'pv2luks --help'\n", words[0].c_str());
    return kExitUsage;
  }
  return action->second({words.begin() + 1, words.end()});
}
