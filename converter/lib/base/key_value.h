// KEY=value lines, as /etc/os-release and `lvmconfig` print them.
#pragma once

#include <sstream>
#include <string>

namespace pv2luks {

// The value of the first line "KEY=value" in `text`, without surrounding
// double or single quotes; "" when there is none.
inline std::string key_value(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) != 0) continue;
    std::string value = line.substr(key.size() + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return "";
}

}  // namespace pv2luks
