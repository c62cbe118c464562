#include "load/options.h"

#include <charconv>
#include <filesystem>

#include "common/error.h"
#include "common/size.h"

namespace harness::load {

std::uint64_t count_option(const Args& args, const std::string& name, std::uint64_t fallback,
                           std::uint64_t minimum) {
  const auto text = args.value(name);
  if (!text) return fallback;
  std::uint64_t value = 0;
  const auto result = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || result.ec != std::errc() || result.ptr != text->data() + text->size() ||
      value < minimum) {
    Fail(kExitUsage) << name << " takes a whole number" << (minimum ? " of at least " : "")
                     << (minimum ? std::to_string(minimum) : "") << ", not '" << *text << "'";
  }
  return value;
}

std::uint64_t size_option(const Args& args, const std::string& name, std::uint64_t fallback) {
  const auto text = args.value(name);
  if (!text) return fallback;
  const auto value = parse_size_bytes(*text);
  if (!value)
    Fail(kExitUsage) << name << " takes a size like 4096, 64K or 1M, not '" << *text << "'";
  return *value;
}

std::string log_option(const Args& args) {
  const auto log = args.value("--log");
  if (!log || log->empty()) Fail(kExitUsage) << "--log DIR is required (see --help)";
  return normalize_path(*log);
}

std::string normalize_path(const std::string& path) {
  std::filesystem::path normal = std::filesystem::absolute(path).lexically_normal();
  if (!normal.has_filename() && normal.has_parent_path() && normal != normal.root_path()) {
    normal = normal.parent_path();
  }
  return normal.string();
}

std::map<std::string, std::string> map_option(const Args& args, const std::string& name) {
  std::map<std::string, std::string> map;
  for (const std::string& pair : args.values(name)) {
    const std::size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      Fail(kExitUsage) << name << " takes OLD=NEW, not '" << pair << "'";
    }
    map[normalize_path(pair.substr(0, eq))] = normalize_path(pair.substr(eq + 1));
  }
  return map;
}

}  // namespace harness::load
