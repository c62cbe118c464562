#include "image/spec_fields.h"

#include <algorithm>
#include <limits>

#include "common/size.h"

namespace harness {

namespace {

std::string at(const std::string& where, const char* key) {
  return where.empty() ? std::string(key) : where + "." + key;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '_' || c == '.' || c == '-';
}

}  // namespace

bool is_lvm_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '-' || name == "." || name == "..") {
    return false;
  }
  return std::all_of(name.begin(), name.end(), is_name_char);
}

std::optional<std::uint64_t> parse_count(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

void SpecReader::problem(const std::string& where, const std::string& what) {
  problems_.push_back(where.empty() ? what : where + ": " + what);
}

void SpecReader::known_fields(const Tree& node, const std::string& where,
                              std::initializer_list<const char*> known) {
  if (node.empty() && !node.data().empty()) {
    problem(where, "must be a JSON object {...}, not '" + node.data() + "'");
    return;
  }
  std::string list;
  for (const char* key : known) list += (list.empty() ? "" : ", ") + std::string(key);
  for (const auto& [key, child] : node) {
    if (key.empty()) {
      problem(where, "must be a JSON object {...}, not an array");
      return;
    }
    const bool is_known =
        std::any_of(known.begin(), known.end(), [&key = key](const char* k) { return key == k; });
    if (!is_known) {
      problem(where, "unknown field '" + key + "'" + (where.empty() ? " in the spec" : "") +
                         "; known fields: " + list);
    } else if (node.count(key) > 1 && &child == &node.find(key)->second) {
      problem(where, "field '" + key + "' is given twice; keep one");
    }
  }
}

std::optional<std::string> SpecReader::text(const Tree& node, const char* key,
                                            const std::string& where, bool required) {
  const auto child = node.get_child_optional(key);
  if (!child) {
    if (required) problem(where, "missing field '" + std::string(key) + "'; add it");
    return std::nullopt;
  }
  if (!child->empty()) {
    problem(at(where, key), "must be a single value, not an object or array");
    return std::nullopt;
  }
  return child->data();
}

std::optional<std::uint64_t> SpecReader::size(const Tree& node, const char* key,
                                              const std::string& where, bool required,
                                              bool allow_zero) {
  const auto value = text(node, key, where, required);
  if (!value) return std::nullopt;
  const auto bytes = parse_size_bytes(*value);
  if (!bytes) {
    problem(at(where, key), "'" + *value +
                                "' is not a size; write a whole number with an optional "
                                "K, M, G or T suffix, e.g. \"64M\"");
    return std::nullopt;
  }
  if (*bytes == 0 && !allow_zero) {
    problem(at(where, key), "must be more than zero");
    return std::nullopt;
  }
  return bytes;
}

std::optional<std::uint64_t> SpecReader::count(const Tree& node, const char* key,
                                               const std::string& where) {
  const auto value = text(node, key, where);
  if (!value) return std::nullopt;
  const auto number = parse_count(*value);
  if (!number) problem(at(where, key), "'" + *value + "' is not a whole number");
  return number;
}

std::optional<bool> SpecReader::flag(const Tree& node, const char* key, const std::string& where) {
  const auto value = text(node, key, where);
  if (!value) return std::nullopt;
  if (*value == "true") return true;
  if (*value == "false") return false;
  problem(at(where, key), "'" + *value + "' must be true or false");
  return std::nullopt;
}

const SpecReader::Tree* SpecReader::object(const Tree& node, const char* key,
                                           const std::string& where, bool required) {
  const auto child = node.get_child_optional(key);
  if (!child) {
    if (required) problem(where, "missing field '" + std::string(key) + "'; add it");
    return nullptr;
  }
  return &*child;
}

void SpecReader::each(const Tree& node, const char* key,
                      const std::function<void(const Tree&, const std::string&)>& read) {
  const auto child = node.get_child_optional(key);
  if (!child) return;
  if (child->empty() && !child->data().empty()) {
    problem(key, "must be a JSON array [...], not '" + child->data() + "'");
    return;
  }
  std::size_t index = 0;
  for (const auto& [element_key, element] : *child) {
    if (!element_key.empty()) {
      problem(key, "must be a JSON array [...], not an object");
      return;
    }
    read(element, std::string(key) + "[" + std::to_string(index++) + "]");
  }
}

}  // namespace harness
