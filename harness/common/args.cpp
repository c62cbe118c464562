#include "common/args.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>

#include "common/error.h"

namespace harness {

namespace {

// "--name" of "--name=value"; the word itself otherwise.
std::string option_name(const std::string& word) { return word.substr(0, word.find('=')); }

}  // namespace

Args::Args(const std::vector<std::string>& words, const std::set<std::string>& with_value,
           const std::set<std::string>& switches) {
  CLI::App app;
  app.set_help_flag();  // --help is the command's own switch
  app.allow_extras();   // reported below, by name
  app.allow_windows_style_options(false);
  std::map<std::string, std::int64_t> counts;
  for (const std::string& name : with_value) {
    app.add_option(name, options_[name])
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);
  }
  for (const std::string& name : switches) app.add_flag(name, counts[name]);
  app.add_option("words", positional_);
  // A value that starts with "--" is taken as the next option, never as a value.
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (with_value.count(words[i]) && (i + 1 == words.size() || words[i + 1].rfind("--", 0) == 0)) {
      Fail(kExitUsage) << "option " << words[i] << " needs a value";
    }
  }
  std::vector<std::string> reversed(words.rbegin(), words.rend());  // CLI11 parses from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    Fail(kExitUsage) << e.what() << " (see --help)";
  }
  for (const std::string& extra : app.remaining()) {
    if (extra.rfind("-", 0) == 0 && extra != "-") {
      Fail(kExitUsage) << "unknown option " << option_name(extra) << " (see --help)";
    }
  }
  for (const std::string& extra : app.remaining()) positional_.push_back(extra);
  for (auto it = options_.begin(); it != options_.end();) {
    it = it->second.empty() ? options_.erase(it) : std::next(it);
  }
  for (const auto& [name, count] : counts) {
    if (count > 0) options_[name].assign(static_cast<std::size_t>(count), "");
  }
}

bool Args::has(const std::string& name) const { return options_.count(name) > 0; }

std::optional<std::string> Args::value(const std::string& name) const {
  const auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::values(const std::string& name) const {
  const auto it = options_.find(name);
  if (it == options_.end()) return {};
  return it->second;
}

std::optional<double> Args::number(const std::string& name) const {
  const auto text = value(name);
  if (!text) return std::nullopt;
  char* end = nullptr;
  const double number = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || !(number > 0)) {
    Fail(kExitUsage) << name << " takes a positive number, not '" << *text << "'";
  }
  return number;
}

}  // namespace harness
