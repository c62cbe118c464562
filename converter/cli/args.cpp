#include "args.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "help_text.h"

namespace cli {

namespace {

bool parse_number(const std::string& text, std::uint32_t& value) {
  char* end = nullptr;
  const unsigned long number = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || number == 0 || number > 0xffffffffUL) return false;
  value = static_cast<std::uint32_t>(number);
  return true;
}

// --max-rate's RATE: bytes per second, with an optional K, M or G for KiB,
// MiB or GiB (as lvm's sizes), e.g. 20M. Not 0: the move would never end.
bool parse_rate(const std::string& text, std::uint64_t& value) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long number = std::strtoull(text.c_str(), &end, 10);
  if (errno == ERANGE || number == 0) return false;
  std::uint64_t unit = 1;
  switch (std::toupper(static_cast<unsigned char>(*end))) {
    case '\0': break;
    case 'K': unit = 1ULL << 10; break;
    case 'M': unit = 1ULL << 20; break;
    case 'G': unit = 1ULL << 30; break;
    default: return false;
  }
  if (*end != '\0' && end[1] != '\0') return false;
  if (number > UINT64_MAX / unit) return false;
  value = number * unit;
  return true;
}

constexpr const char kRateWords[] = "bytes per second, e.g. 20M (K, M, G: KiB, MiB, GiB)";

// What each option's value is, for "--OPT needs WHAT" when it is missing.
const std::map<std::string, std::string>& value_names() {
  static const std::map<std::string, std::string> names = {
      {"--key-file", "FILE or -"},       {"--crypttab", "FILE"},
      {"--partition", "a number, e.g. 2"}, {"--type", "luks1 or luks2"},
      {"--cipher", "CIPHER-MODE, e.g. aes-xts-plain64"},
      {"--key-size", "bits, e.g. 512"},  {"--pbkdf", "argon2id, argon2i or pbkdf2"},
      {"--pbkdf-force-iterations", "a positive number"},
      {"--iter-time", "milliseconds"},
      {"--max-rate", kRateWords},
      {"--tpm2-device", "auto or a TPM device"}, {"--tpm2-pcrs", "a PCR list, e.g. 7 or 0+7"},
      {"--recovery-key-file", "FILE"},
  };
  return names;
}

std::string footer(const char* text) { return std::string(text) + kExitCodesText; }

// CLI11's formatter, with the list of actions showing each one's summary
// (its description's first line) instead of the whole description.
class Formatter : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* sub) const override {
    std::stringstream out;
    const std::string& description = sub->get_description();
    CLI::detail::format_help(out, sub->get_display_name(true),
                             description.substr(0, description.find('\n')), column_width_);
    return out.str();
  }
};

// An action: its help, -h/--help (CLI11's), -v/--verbose and --debug.
CLI::App* add_action(CLI::App& app, const char* name, const char* description, const char* foot,
                     TraceCli& trace) {
  CLI::App* action = app.add_subcommand(name, description);
  action->footer(footer(foot));
  action->add_flag("-v,--verbose", trace.verbose,
                   "show each external command and device-mapper step on stderr");
  action->add_flag("--debug", trace.debug, "show more: the commands' exit codes, dm queries");
  return action;
}

void add_key_file(CLI::App* action, std::optional<std::string>& key_file, const char* what) {
  action->add_option_function<std::string>(
      "--key-file", [&key_file](const std::string& value) { key_file = value; }, what)
      ->type_name("FILE|-");
}

void add_offline(CLI::App* action, bool& offline, std::string& partition) {
  action->add_flag("--offline", offline, "IMAGE is a disk image or an unused device");
  action->add_option("--partition", partition,
                     "offline: the PV's partition (default: the one partition, or the\n"
                     "whole disk, holding a PV)")
      ->type_name("N");
}

// --crypttab FILE: the path, and that it was given.
void add_crypttab(CLI::App* action, std::string& path, bool& given, const char* what) {
  action
      ->add_option_function<std::string>(
          "--crypttab",
          [&path, &given](const std::string& value) {
            path = value;
            given = true;
          },
          what)
      ->type_name("FILE");
}

// The library's refusals (pv2luks::unused_option), with --crypttab counted
// whenever it was given: the library sees only a path other than the
// default.
template <typename Options>
std::string unused_option(Options options, bool crypttab_given) {
  if (crypttab_given) options.crypttab_path.clear();
  return pv2luks::unused_option(options);
}

void add_max_rate(CLI::App* action, std::string& rate) {
  action->add_option("--max-rate", rate,
                     "move at most RATE bytes per second on average (K, M, G:\n"
                     "KiB, MiB, GiB); each chunk still moves at full speed,\n"
                     "the wait is between chunks. Live, it leaves the disk to\n"
                     "the running system. Default: as fast as the disk goes")
      ->type_name("RATE");
}

// RATE of --max-rate into `bytes`; "" or the usage problem.
std::string check_max_rate(const std::string& rate, std::uint64_t& bytes) {
  if (rate.empty() || parse_rate(rate, bytes)) return "";
  return std::string("--max-rate takes ") + kRateWords;
}

void add_batch(CLI::App* action, bool& yes, bool& progress_json) {
  action->add_flag("-q,--batch-mode,--yes", yes,
                   "do not ask for confirmation (needed when there is no\n"
                   "terminal to ask on)");
  action->add_flag("--progress-json", progress_json,
                   "progress and the result as JSON lines on stdout, nothing else\n"
                   "there (docs/progress-json.md)");
}

void add_convert(CLI::App& app, Cli& cli) {
  ConvertCli& c = cli.convert;
  auto& o = c.options;
  CLI::App* a = add_action(app, "convert", kConvertDescription, kConvertFooter, cli.trace);
  a->add_option("DEVICE", o.device, "the PV's partition or disk; with --offline: the IMAGE");
  a->add_option("--type", c.type, "header format (default luks2)")->type_name("luks2|luks1");
  add_key_file(a, o.key_file,
               "passphrase from FILE, or all of stdin with '-';\n"
               "without it: the terminal, asked twice");
  a->add_option("--cipher", o.cipher, "data cipher (default aes-xts-plain64)")
      ->type_name("CIPHER-MODE");
  a->add_option("--key-size", c.key_size, "volume key size (default 512, for aes-xts)")
      ->type_name("BITS");
  a->add_option("--pbkdf", o.pbkdf, "keyslot PBKDF (default: the type's own)")
      ->type_name("argon2id|pbkdf2");
  a->add_option("--pbkdf-force-iterations", c.pbkdf_force_iterations,
                "PBKDF iterations, no benchmark")
      ->type_name("N");
  a->add_option("--iter-time", c.iter_time, "PBKDF benchmark target")->type_name("MS");
  a->add_flag("--make-room", o.make_room,
              "when the room after the PV is short but the PV's last\n"
              "extents are free, shrink the PV (pvresize) to make it;\n"
              "without it such a PV is refused with the commands that\n"
              "would help");
  a->add_flag("--update-crypttab", o.update_crypttab,
              "add the crypttab line to the crypttab (where dracut\n"
              "builds the initramfs, also\n"
              "dracut.conf.d/90-pv2luks-NAME.conf beside it)");
  add_crypttab(a, o.crypttab_path, c.crypttab,
               "the crypttab to read and update (default /etc/crypttab)");
  a->add_flag("--force", o.force,
              "convert a PV that holds the running / or /usr although\n"
              "the next boot's initramfs lacks cryptsetup or pv2luks's\n"
              "recovery hook (refused without it): a power cut mid-way\n"
              "then leaves a system that boots only from a rescue system");
  add_offline(a, o.offline, c.partition);
  a->add_flag("--guest-config", o.guest_config,
              "offline: through libguestfs, add the crypttab line inside\n"
              "the guest and rebuild its initramfs (Debian and Ubuntu\n"
              "guests with cryptsetup-initramfs, guests whose initramfs\n"
              "dracut builds; others are left as they are, with what\n"
              "they need); the guest is inspected before anything is\n"
              "written. It runs pv2luks-guest-config (libguestfs), from\n"
              "the package of that name");
  a->add_flag("--sparse", o.sparse,
              "offline, image files: parts of the PV that are free\n"
              "extents and holes in the image stay holes, so a mostly\n"
              "empty image converts in time and size proportional to its\n"
              "data; like cryptsetup's --allow-discards, the image then\n"
              "shows which ranges are unused. Not for block devices");
  a->add_flag("--dry-run", o.dry_run,
              "check and print the plan and the tables each phase loads\n"
              "(keys redacted); write nothing");
  a->add_option("--tpm2-device", o.tpm2_device,
                "live, LUKS2: keys nobody types. No passphrase is asked;\n"
                "the volume opens by this TPM 2.0 ('auto': the one there)\n"
                "as a systemd-tpm2 token (systemd-cryptenroll's), and by\n"
                "a new recovery key written to --recovery-key-file. The\n"
                "crypttab line gets tpm2-device=auto. A PV holding / or\n"
                "/usr needs dracut with its tpm2-tss module")
      ->type_name("auto|DEV");
  a->add_option("--tpm2-pcrs", c.tpm2_pcrs,
                "the PCRs the TPM's key is sealed to (default 7, the\n"
                "Secure Boot state; '' for none), as systemd-cryptenroll")
      ->type_name("LIST");
  a->add_option("--recovery-key-file", o.recovery_key_file,
                "with --tpm2-device: write the recovery key (keyslot 0,\n"
                "systemd-cryptenroll's format) to FILE, a new file of mode\n"
                "0600, before the disk is written. Type it at a passphrase\n"
                "prompt, or use FILE as a key file (no newline in it)")
      ->type_name("FILE");
  add_max_rate(a, c.max_rate);
  add_batch(a, c.yes, c.progress_json);
}

void add_resume(CLI::App& app, Cli& cli) {
  ResumeCli& r = cli.resume;
  auto& o = r.options;
  CLI::App* a = add_action(app, "resume", kResumeDescription, kResumeFooter, cli.trace);
  a->add_option("DEVICE", o.device, "the PV's partition or disk; with --offline: the IMAGE");
  add_key_file(a, o.key_file,
               "the passphrase given to convert, or convert's --recovery-key-file\n"
               "(FILE, or stdin with '-'); not given: the TPM2 token first, if any");
  a->add_flag("--token-only", o.token_only,
              "open the staged header by its TPM2 token only; never ask\n"
              "(exit 2, nothing written, when the TPM does not open it)");
  a->add_flag("--disable-external-tokens", o.disable_external_tokens,
              "never try the TPM2 token (as cryptsetup's): ask for the\n"
              "passphrase or the recovery key straight away");
  a->add_flag("--activate-only", o.activate_only,
              "only set up /dev/mapper/DEV_crypt in the journal's state,\n"
              "so the VG can be activated before resuming");
  a->add_flag("--update-crypttab", o.update_crypttab,
              "as for convert, once the conversion is finished");
  add_crypttab(a, o.crypttab_path, r.crypttab, "as for convert");
  add_offline(a, o.offline, r.partition);
  a->add_flag("--guest-config", o.guest_config, "as for convert, once the conversion is finished");
  add_max_rate(a, r.max_rate);
  add_batch(a, r.yes, r.progress_json);
}

void add_status(CLI::App& app, Cli& cli) {
  StatusCli& s = cli.status;
  CLI::App* a = add_action(app, "status", kStatusDescription, kStatusFooter, cli.trace);
  a->add_option("DEVICE", s.device,
                "DEVICE, IMAGE with --offline, or a VG or crypt device name");
  add_offline(a, s.offline, s.partition_text);
}

void add_verify(CLI::App& app, Cli& cli) {
  VerifyCli& v = cli.verify;
  CLI::App* a = add_action(app, "verify", kVerifyDescription, "\n", cli.trace);
  a->add_option("IMAGE", v.options.image, "the converted image or unused device");
  add_key_file(a, v.options.key_file, "the passphrase (FILE, or stdin with '-')");
  a->add_flag("--offline", v.offline, "IMAGE is a disk image or an unused device (required)");
  a->add_option("--partition", v.partition, "the LUKS partition (default: the one there)")
      ->type_name("N");
}

void add_flatten(CLI::App& app, const char* name, const char* description,
                 pv2luks::FlattenOptions& options, TraceCli& trace) {
  CLI::App* a = add_action(app, name, description, kFlattenFooter, trace);
  a->add_option("TARGET", options.target, "the VG, or the crypt device's dm name")
      ->type_name("VG|CRYPT");
  add_key_file(a, options.key_file,
               "the passphrase, when the volume key must come from the\n"
               "LUKS header: the kernel holds it as a keyring key (as\n"
               "cryptsetup opens LUKS2), or unflatten reopens a crypt\n"
               "device closed while flattened (name it then)");
}

// --tpm2-device and its companions (live only: pv2luks::unused_option):
// each needs the others as they say.
std::string check_tpm2(const ConvertCli& cli) {
  const auto& o = cli.options;
  if (o.tpm2_device.empty()) {
    if (cli.tpm2_pcrs) return "--tpm2-pcrs goes with --tpm2-device";
    if (!o.recovery_key_file.empty()) return "--recovery-key-file goes with --tpm2-device";
    return "";
  }
  if (o.recovery_key_file.empty()) {
    return "--tpm2-device needs --recovery-key-file FILE (the way in when the TPM will not "
           "unlock)";
  }
  if (o.key_file) return "--tpm2-device takes no --key-file: nobody types a passphrase";
  if (!pv2luks::valid_tpm2_pcrs(o.tpm2_pcrs)) {
    return "--tpm2-pcrs takes a PCR list such as 7 or 0+7 (PCRs 0-23), or ''";
  }
  return "";
}

// --partition N: a number.
std::string parse_partition(const std::string& text, std::uint32_t& partition) {
  if (!text.empty() && !parse_number(text, partition)) return "--partition takes a number, e.g. 2";
  return "";
}

}  // namespace

pv2luks::LogLevel TraceCli::level() const {
  if (debug) return pv2luks::LogLevel::kDebug;
  return verbose ? pv2luks::LogLevel::kVerbose : pv2luks::LogLevel::kQuiet;
}

void add_actions(CLI::App& app, Cli& cli) {
  auto formatter = std::make_shared<Formatter>();
  formatter->column_width(32);
  app.formatter(formatter);
  app.add_flag("-v,--verbose", cli.trace.verbose, "as each action's -v");
  app.add_flag("--debug", cli.trace.debug, "as each action's --debug");
  app.add_flag("-q,--batch-mode", cli.trace.batch, "as convert's and resume's -q");
  add_convert(app, cli);
  add_resume(app, cli);
  add_status(app, cli);
  add_verify(app, cli);
  add_flatten(app, "flatten", kFlattenDescription, cli.flatten, cli.trace);
  add_flatten(app, "unflatten", kUnflattenDescription, cli.unflatten, cli.trace);
  CLI::App* help = app.add_subcommand("help", kHelpDescription);
  help->add_option("ACTION", cli.help_action, "an action");
}

std::string check_convert(ConvertCli& cli) {
  auto& o = cli.options;
  if (o.device.empty()) return "convert needs a DEVICE (or an IMAGE with --offline)";
  if (!cli.type.empty()) {
    if (cli.type != "luks1" && cli.type != "luks2") return "--type takes luks1 or luks2";
    o.type = cli.type == "luks1" ? pv2luks::LuksVersion::kLuks1 : pv2luks::LuksVersion::kLuks2;
  }
  if (o.cipher.find('-') == std::string::npos) {
    return "--cipher takes CIPHER-MODE, e.g. aes-xts-plain64";
  }
  if (!cli.key_size.empty() && !parse_number(cli.key_size, o.key_size_bits)) {
    return "--key-size takes bits, e.g. 512";
  }
  if (!o.pbkdf.empty() && o.pbkdf != "argon2id" && o.pbkdf != "argon2i" && o.pbkdf != "pbkdf2") {
    return "--pbkdf takes argon2id, argon2i or pbkdf2";
  }
  if (!cli.pbkdf_force_iterations.empty() &&
      !parse_number(cli.pbkdf_force_iterations, o.pbkdf_force_iterations)) {
    return "--pbkdf-force-iterations takes a positive number";
  }
  if (!cli.iter_time.empty() && !parse_number(cli.iter_time, o.iter_time_ms)) {
    return "--iter-time takes milliseconds";
  }
  if (std::string problem = check_max_rate(cli.max_rate, o.max_rate_bytes); !problem.empty()) {
    return problem;
  }
  if (std::string problem = parse_partition(cli.partition, o.partition); !problem.empty()) {
    return problem;
  }
  if (cli.tpm2_pcrs) o.tpm2_pcrs = *cli.tpm2_pcrs;
  if (std::string unused = unused_option(o, cli.crypttab); !unused.empty()) return unused;
  return check_tpm2(cli);
}

std::string check_resume(ResumeCli& cli) {
  auto& o = cli.options;
  if (o.device.empty()) return "resume needs a DEVICE (or an IMAGE with --offline)";
  if (std::string problem = check_max_rate(cli.max_rate, o.max_rate_bytes); !problem.empty()) {
    return problem;
  }
  if (std::string problem = parse_partition(cli.partition, o.partition); !problem.empty()) {
    return problem;
  }
  return unused_option(o, cli.crypttab);
}

std::string check_status(StatusCli& cli) {
  if (std::string problem = parse_partition(cli.partition_text, cli.partition); !problem.empty()) {
    return problem;
  }
  if (!cli.offline && cli.partition) {
    return "--partition needs --offline (a live PV is named by its device)";
  }
  if (cli.offline && cli.device.empty()) return "status --offline needs an IMAGE";
  return "";
}

std::string check_verify(VerifyCli& cli) {
  if (!cli.partition.empty() && !parse_number(cli.partition, cli.options.partition)) {
    return "--partition takes a number, e.g. 2";
  }
  if (cli.options.image.empty()) return "verify needs --offline IMAGE";
  return cli.offline ? "" : "verify works on images and unused devices only: give --offline IMAGE";
}

std::string usage_problem(const CLI::ParseError& error) {
  const std::string what = error.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    // "The following argument(s) was/were not expected: B A" (CLI11 lists
    // them last first): name the first.
    const std::string words = what.substr(what.find(": ") + 2);
    const std::string first = words.substr(words.rfind(' ') + 1);
    if (first.rfind("-", 0) == 0 && first.size() > 1) {
      return "unknown option " + first.substr(0, first.find('='));
    }
    return "unexpected argument '" + first + "'";
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr) {
    const std::string name = what.substr(0, what.find(':'));
    const auto value = value_names().find(name);
    if (value != value_names().end()) return name + " needs " + value->second;
  }
  return what;
}

bool names_a_file(const std::string& word) {
  if (word.find('/') != std::string::npos) return true;
  struct stat st {};
  return !word.empty() && ::stat(word.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

}  // namespace cli
