// LVM's configuration syntax, the one its metadata text is written in, as a
// tree. Pure. The syntax (lvm2's libdm/libdm-config.c):
//   name { ... }                     a section, nested freely
//   key = value                      a string "..." (\ escapes the next
//                                    character), an integer, a float, or
//   key = [ value, value, ... ]      a flat list of those
//   # to the end of the line         a comment
// A NUL ends the text, as in a metadata area.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pv2luks {

struct ConfigValue {
  enum class Kind { kInteger, kFloat, kString };
  Kind kind = Kind::kString;
  std::int64_t integer = 0;  // kInteger
  std::string text;          // kString (unescaped) and kFloat (as written)
};

struct ConfigNode {
  std::string key;
  int line = 0;  // 1-based, where the key is
  bool is_section = false;
  std::vector<ConfigNode> children;  // a section's entries, in order
  bool is_list = false;
  std::vector<ConfigValue> values;  // one for `key = value`
};

// The whole text as a section with key "". Malformed text is an Error
// "line N: ...".
ConfigNode parse_config(std::string_view text);

// The first child called `key`, or nullptr.
const ConfigNode* find_child(const ConfigNode& section, std::string_view key);

}  // namespace pv2luks
