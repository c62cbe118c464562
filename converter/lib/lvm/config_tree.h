// LVM's configuration syntax, the one its metadata text is written in, as a
// tree, parsed by libdevmapper's config parser (dm_config_*), the one LVM
// itself reads its metadata with:
//   name { ... }                     a section, nested freely
//   key = value                      a string "..." (\ escapes the next
//                                    character), an integer, a float, or
//   key = [ value, value, ... ]      a flat list of those
//   # to the end of the line         a comment
// A NUL ends the text, as in a metadata area. As in LVM, a list of one
// value and the value alone read the same.
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
  std::string text;          // kString; kInteger and kFloat as text, for messages
};

struct ConfigNode {
  std::string key;
  bool is_section = false;
  std::vector<ConfigNode> children;  // a section's entries, in order
  std::vector<ConfigValue> values;   // a key's value, or its list's (none for [])
};

// The whole text as a section with key "". Malformed text is an Error
// naming the line, as libdevmapper's parser reports it.
ConfigNode parse_config(std::string_view text);

// The first child called `key`, or nullptr.
const ConfigNode* find_child(const ConfigNode& section, std::string_view key);

}  // namespace pv2luks
