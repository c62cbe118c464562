#include "args.h"

#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <optional>

namespace cli {

namespace {

bool parse_number(const std::string& text, std::uint32_t& value) {
  char* end = nullptr;
  const unsigned long number = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || number == 0 || number > 0xffffffffUL) return false;
  value = static_cast<std::uint32_t>(number);
  return true;
}

// Walks the words: options through `option(word, value)` (which returns
// "" when it took the word, "?" when the word is not its option, or a
// problem), and the one DEVICE.
template <typename OptionFn>
std::string walk(const std::vector<std::string>& words, std::string& device, OptionFn option) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    const auto value = [&](std::string& out) {
      if (i + 1 >= words.size()) return false;
      out = words[++i];
      return true;
    };
    const std::string problem = option(word, value);
    if (problem.empty()) continue;
    if (problem != "?") return problem;
    if (word.rfind("-", 0) == 0) return "unknown option " + word;
    if (!device.empty()) return "unexpected argument '" + word + "'";
    device = word;
  }
  return device.empty() ? "needs a DEVICE" : "";
}

// --key-file FILE|-.
template <typename Value>
std::string key_file_option(const std::string& word, Value& value,
                            std::optional<std::string>& key_file) {
  if (word != "--key-file") return "?";
  std::string v;
  if (!value(v)) return "--key-file needs FILE or -";
  key_file = v;
  return "";
}

// The options convert and resume share.
template <typename Value>
std::string common_option(const std::string& word, Value& value, std::optional<std::string>& key_file,
                          bool& progress_json, bool& yes) {
  if (word == "--progress-json") {
    progress_json = true;
  } else if (word == "--yes") {
    yes = true;
  } else if (const std::string key = key_file_option(word, value, key_file); key != "?") {
    return key;
  } else {
    return "?";
  }
  return "";
}

// --offline and --partition N, which every action takes.
template <typename Value>
std::string offline_option(const std::string& word, Value& value, bool& offline,
                           std::uint32_t& partition) {
  if (word == "--offline") {
    offline = true;
    return "";
  }
  if (word == "--partition") {
    std::string v;
    if (!value(v) || !parse_number(v, partition)) return "--partition takes a number, e.g. 2";
    return "";
  }
  return "?";
}

// The crypttab options mean something only in a live conversion.
std::string live_only(bool offline, bool update_crypttab, bool crypttab) {
  if (!offline || (!update_crypttab && !crypttab)) return "";
  return std::string(update_crypttab ? "--update-crypttab" : "--crypttab") +
         " is for live conversions; offline, --guest-config adds the crypttab line inside the "
         "guest";
}

// --partition means something only with --offline.
std::string needs_offline(bool offline, std::uint32_t partition, bool guest_config = false) {
  if (offline) return "";
  if (partition) return "--partition needs --offline (a live PV is named by its device)";
  if (guest_config) return "--guest-config needs --offline";
  return "";
}

}  // namespace

std::string parse_convert(const std::vector<std::string>& words, ConvertCli& cli) {
  auto& o = cli.options;
  bool crypttab = false;
  const std::string problem = walk(words, o.device, [&](const std::string& word, auto& value) -> std::string {
    std::string v;
    if (const std::string common = common_option(word, value, o.key_file, cli.progress_json, cli.yes);
        common != "?") {
      return common;
    }
    if (const std::string off = offline_option(word, value, o.offline, o.partition); off != "?") {
      return off;
    }
    if (word == "--dry-run") {
      o.dry_run = true;
    } else if (word == "--guest-config") {
      o.guest_config = true;
    } else if (word == "--make-room") {
      o.make_room = true;
    } else if (word == "--update-crypttab") {
      o.update_crypttab = true;
    } else if (word == "--crypttab") {
      if (!value(o.crypttab_path)) return "--crypttab needs FILE";
      crypttab = true;
    } else if (word == "--force") {
      o.force = true;
    } else if (word == "--cipher") {
      if (!value(o.cipher) || o.cipher.find('-') == std::string::npos) {
        return "--cipher takes CIPHER-MODE, e.g. aes-xts-plain64";
      }
    } else if (word == "--type") {
      if (!value(v) || (v != "luks1" && v != "luks2")) return "--type takes luks1 or luks2";
      o.type = v == "luks1" ? pv2luks::LuksVersion::kLuks1 : pv2luks::LuksVersion::kLuks2;
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
    } else {
      return "?";
    }
    return "";
  });
  if (problem == "needs a DEVICE") return "convert needs a DEVICE (or an IMAGE with --offline)";
  if (!problem.empty()) return problem;
  if (o.offline && o.force) {
    return "--force is for live conversions (of a PV that holds the running / or /usr)";
  }
  if (const std::string live = live_only(o.offline, o.update_crypttab, crypttab); !live.empty()) {
    return live;
  }
  return needs_offline(o.offline, o.partition, o.guest_config);
}

std::string parse_resume(const std::vector<std::string>& words, ResumeCli& cli) {
  auto& o = cli.options;
  bool crypttab = false;
  const std::string problem = walk(words, o.device, [&](const std::string& word, auto& value) -> std::string {
    if (const std::string common = common_option(word, value, o.key_file, cli.progress_json, cli.yes);
        common != "?") {
      return common;
    }
    if (const std::string off = offline_option(word, value, o.offline, o.partition); off != "?") {
      return off;
    }
    if (word == "--activate-only") {
      o.activate_only = true;
      return "";
    }
    if (word == "--guest-config") {
      o.guest_config = true;
      return "";
    }
    if (word == "--update-crypttab") {
      o.update_crypttab = true;
      return "";
    }
    if (word == "--crypttab") {
      if (!value(o.crypttab_path)) return "--crypttab needs FILE";
      crypttab = true;
      return "";
    }
    return "?";
  });
  if (problem == "needs a DEVICE") return "resume needs a DEVICE (or an IMAGE with --offline)";
  if (!problem.empty()) return problem;
  if (o.offline && o.activate_only) return "--activate-only is for live conversions, not --offline";
  if (const std::string live = live_only(o.offline, o.update_crypttab, crypttab); !live.empty()) {
    return live;
  }
  return needs_offline(o.offline, o.partition, o.guest_config);
}

std::string parse_status(const std::vector<std::string>& words, StatusCli& cli) {
  const std::string problem = walk(words, cli.device, [&](const std::string& word, auto& value) {
    return offline_option(word, value, cli.offline, cli.partition);
  });
  if (problem == "needs a DEVICE" && cli.offline) return "status --offline needs an IMAGE";
  if (!problem.empty() && problem != "needs a DEVICE") return problem;
  return needs_offline(cli.offline, cli.partition);
}

bool names_a_file(const std::string& word) {
  if (word.find('/') != std::string::npos) return true;
  struct stat st {};
  return !word.empty() && ::stat(word.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

std::string parse_flatten(const std::vector<std::string>& words, pv2luks::FlattenOptions& options) {
  const std::string problem = walk(words, options.target, [&](const std::string& word, auto& value) {
    return key_file_option(word, value, options.key_file);
  });
  return problem == "needs a DEVICE" ? "" : problem;
}

std::string parse_verify(const std::vector<std::string>& words, pv2luks::VerifyOptions& options) {
  bool offline = false;
  const std::string problem = walk(words, options.image, [&](const std::string& word, auto& value) {
    if (const std::string key = key_file_option(word, value, options.key_file); key != "?") {
      return key;
    }
    return offline_option(word, value, offline, options.partition);
  });
  if (problem == "needs a DEVICE") return "verify needs --offline IMAGE";
  if (!problem.empty()) return problem;
  return offline ? "" : "verify works on images and unused devices only: give --offline IMAGE";
}

}  // namespace cli
