// pv2luks: the command-line front end, a table of actions. Each action is
// parse -> one library call -> report.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pv2luks/pv2luks.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;  // checks failed; nothing was written
constexpr int kExitUsage = 2;
constexpr int kExitFailed = 4;  // failed after writing; the message says what state it is in

const char kHelp[] =
    "Usage: pv2luks ACTION [OPTIONS]\n"
    "\n"
    "Convert an LVM physical volume into LVM-on-LUKS in place: the PV's data\n"
    "moves toward the end of its partition by the LUKS header size and is\n"
    "encrypted on the way; the LUKS header lands at the front.\n"
    "\n"
    "Actions:\n"
    "  convert DEVICE   convert the active PV on DEVICE live; its LVs stay in use\n"
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
    "  --update-crypttab            add the crypttab line to the crypttab\n"
    "  --crypttab FILE              the crypttab to read and update (default\n"
    "                               /etc/crypttab)\n"
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
    "Not crash-safe yet: a power cut during the move leaves the data half moved\n"
    "with no map of it on disk. Keep a backup.\n"
    "\n"
    "Exit codes: 0 done; 1 refused, nothing written; 2 bad usage;\n"
    "4 failed after the disk was written (the message says what state it is in).\n";

struct ConvertCli {
  pv2luks::ConvertOptions options;
  bool progress_json = false;
  bool yes = false;
};

bool parse_number(const std::string& text, std::uint32_t& value) {
  char* end = nullptr;
  const unsigned long number = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || number == 0 || number > 0xffffffffUL) return false;
  value = static_cast<std::uint32_t>(number);
  return true;
}

// Returns "" or the usage problem.
std::string parse_convert(const std::vector<std::string>& words, ConvertCli& cli) {
  auto& o = cli.options;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    const auto value = [&](std::string& out) {
      if (i + 1 >= words.size()) return false;
      out = words[++i];
      return true;
    };
    std::string v;
    if (word == "--dry-run") {
      o.dry_run = true;
    } else if (word == "--progress-json") {
      cli.progress_json = true;
    } else if (word == "--yes") {
      cli.yes = true;
    } else if (word == "--make-room") {
      o.make_room = true;
    } else if (word == "--update-crypttab") {
      o.update_crypttab = true;
    } else if (word == "--crypttab") {
      if (!value(o.crypttab_path)) return "--crypttab needs FILE";
    } else if (word == "--cipher") {
      if (!value(o.cipher) || o.cipher.find('-') == std::string::npos) {
        return "--cipher takes CIPHER-MODE, e.g. aes-xts-plain64";
      }
    } else if (word == "--type") {
      if (!value(v) || (v != "luks1" && v != "luks2")) return "--type takes luks1 or luks2";
      o.type = v == "luks1" ? pv2luks::LuksVersion::kLuks1 : pv2luks::LuksVersion::kLuks2;
    } else if (word == "--key-file") {
      if (!value(v)) return "--key-file needs FILE or -";
      o.key_file = v;
    } else if (word == "--key-size") {
      if (!value(v) || !parse_number(v, o.key_size_bits)) return "--key-size takes bits, e.g. 512";
    } else if (word == "--pbkdf") {
      if (!value(v) || (v != "argon2id" && v != "argon2i" && v != "pbkdf2")) {
        return "--pbkdf takes argon2id, argon2i or pbkdf2";
      }
      o.pbkdf = v;
    } else if (word == "--pbkdf-force-iterations") {
      if (!value(v) || !parse_number(v, o.pbkdf_force_iterations)) {
        return "--pbkdf-force-iterations takes a positive number";
      }
    } else if (word == "--iter-time") {
      if (!value(v) || !parse_number(v, o.iter_time_ms)) return "--iter-time takes milliseconds";
    } else if (word.rfind("-", 0) == 0) {
      return "unknown option " + word;
    } else if (o.device.empty()) {
      o.device = word;
    } else {
      return "unexpected argument '" + word + "'";
    }
  }
  if (o.device.empty()) return "convert needs a DEVICE";
  return "";
}

// Progress: a line redrawn in place on a terminal, JSON lines on request.
class ProgressReport {
 public:
  explicit ProgressReport(bool json) : json_(json), tty_(::isatty(STDERR_FILENO) != 0) {}
  void operator()(const pv2luks::Progress& p) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const double rate = seconds > 0 ? static_cast<double>(p.done_bytes) / seconds : 0;
    if (json_) {
      std::printf("{\"phase\":\"%s\",\"done_bytes\":%llu,\"total_bytes\":%llu,\"rate_bytes_per_s\":%.0f}\n",
                  p.phase.c_str(), static_cast<unsigned long long>(p.done_bytes),
                  static_cast<unsigned long long>(p.total_bytes), rate);
      std::fflush(stdout);
      return;
    }
    const double percent = p.total_bytes ? 100.0 * static_cast<double>(p.done_bytes) /
                                               static_cast<double>(p.total_bytes)
                                         : 100.0;
    const double eta = rate > 0 ? static_cast<double>(p.total_bytes - p.done_bytes) / rate : 0;
    std::fprintf(stderr, "%s%-6s %5.1f%%  %7.1f MiB/s  ETA %4.0f s%s", tty_ ? "\r" : "",
                 p.phase.c_str(), percent, rate / (1024 * 1024), eta, tty_ ? "" : "\n");
    if (tty_ && p.done_bytes == p.total_bytes) std::fputc('\n', stderr);
  }

 private:
  bool json_;
  bool tty_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// cryptsetup's question, asked on the terminal (stdin may carry the key).
bool confirm_on_terminal(const std::string& summary) {
  std::FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) {
    std::fprintf(stderr, "pv2luks: no terminal to confirm on; pass --yes to convert anyway\n");
    return false;
  }
  std::fprintf(tty, "\nWARNING!\n========\n%s\n\nAre you sure? (Type 'yes' in capital letters): ",
               summary.c_str());
  std::fflush(tty);
  char answer[16] = {};
  const bool yes = std::fgets(answer, sizeof answer, tty) && std::strcmp(answer, "YES\n") == 0;
  std::fclose(tty);
  return yes;
}

int convert_action(const std::vector<std::string>& words) {
  ConvertCli cli;
  if (const std::string problem = parse_convert(words, cli); !problem.empty()) {
    std::fprintf(stderr, "pv2luks convert: %s (see 'pv2luks --help')\n", problem.c_str());
    return kExitUsage;
  }
  const auto say = [](const std::string& line) { std::fprintf(stderr, "pv2luks: %s\n", line.c_str()); };
  if (!cli.yes) cli.options.confirm = confirm_on_terminal;
  ProgressReport progress(cli.progress_json);
  const pv2luks::ConvertResult result = pv2luks::convert_live(cli.options, say, std::ref(progress));
  switch (result.status) {
    case pv2luks::ConvertStatus::kDone:
      if (!cli.options.dry_run) {
        say("done: " + cli.options.device + " is now LUKS; crypttab line:");
        std::printf("%s\n", result.crypttab_line.c_str());
        std::fflush(stdout);
        for (const std::string& line : result.advice) say(line);
      }
      return kExitOk;
    case pv2luks::ConvertStatus::kRefused:
      std::fprintf(stderr, "pv2luks: %s\npv2luks: nothing was written\n", result.message.c_str());
      return kExitRefused;
    case pv2luks::ConvertStatus::kFailed:
      std::fprintf(stderr, "pv2luks: %s\n", result.message.c_str());
      return kExitFailed;
  }
  return kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
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
    std::printf("pv2luks %.*s\n", static_cast<int>(pv2luks::version().size()),
                pv2luks::version().data());
    return kExitOk;
  }
  const std::map<std::string, std::function<int(const std::vector<std::string>&)>> actions = {
      {"convert", convert_action},
  };
  const auto action = actions.find(words[0]);
  if (action == actions.end()) {
    std::fprintf(stderr, "pv2luks: unknown action '%s'; see 'pv2luks --help'\n", words[0].c_str());
    return kExitUsage;
  }
  return action->second({words.begin() + 1, words.end()});
}
