// A command's words, parsed by CLI11: "--name value" and "--name=value"
// options (repeatable, in order), "--flag" switches and positional words.
// Anything unknown is a usage error naming it. Each command prints its own
// --help text (a switch here), so CLI11's generated help is not used.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace harness {

class Args {
 public:
  // `with_value` names the options that take a value, `switches` those that don't.
  Args(const std::vector<std::string>& words, const std::set<std::string>& with_value,
       const std::set<std::string>& switches);

  bool has(const std::string& name) const;
  std::optional<std::string> value(const std::string& name) const;  // the last one given
  std::vector<std::string> values(const std::string& name) const;   // every one, in order
  const std::vector<std::string>& positional() const { return positional_; }

  // The value as a whole number of seconds (or other count); a usage error otherwise.
  std::optional<double> number(const std::string& name) const;

 private:
  std::map<std::string, std::vector<std::string>> options_;
  std::vector<std::string> positional_;
};

}  // namespace harness
