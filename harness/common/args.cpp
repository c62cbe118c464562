#include "common/args.h"

#include <cstdlib>

#include "common/error.h"

namespace harness {

Args::Args(const std::vector<std::string>& words, const std::set<std::string>& with_value,
           const std::set<std::string>& switches) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word.rfind("--", 0) != 0) {
      positional_.push_back(word);
      continue;
    }
    std::string name = word;
    std::optional<std::string> inline_value;
    if (const auto eq = word.find('='); eq != std::string::npos) {
      name = word.substr(0, eq);
      inline_value = word.substr(eq + 1);
    }
    if (switches.count(name) && !inline_value) {
      options_[name].push_back("");
    } else if (with_value.count(name)) {
      if (inline_value) {
        options_[name].push_back(*inline_value);
      } else if (i + 1 < words.size()) {
        options_[name].push_back(words[++i]);
      } else {
        Fail(kExitUsage) << "option " << name << " needs a value";
      }
    } else {
      Fail(kExitUsage) << "unknown option " << name << " (see --help)";
    }
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
