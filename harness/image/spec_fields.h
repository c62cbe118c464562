// Reading typed fields out of a JSON tree (Boost.PropertyTree) while collecting
// every problem, each as "<where>: <what is wrong>; <what to do>".
#pragma once

#include <boost/property_tree/ptree.hpp>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace harness {

// LVM's rule for VG and LV names, simplified to the safe subset.
inline constexpr char kLvmNameRule[] =
    "use letters, digits and + _ . - (not first), at most 64 characters";
bool is_lvm_name(const std::string& name);

// Strict whole number: digits only, no sign, no overflow.
std::optional<std::uint64_t> parse_count(const std::string& text);

class SpecReader {
 public:
  using Tree = boost::property_tree::ptree;

  void problem(const std::string& where, const std::string& what);
  const std::vector<std::string>& problems() const { return problems_; }

  // Every key of `node` must be in `known`, once; `node` must be an object.
  void known_fields(const Tree& node, const std::string& where,
                    std::initializer_list<const char*> known);

  // A plain value (not an object or array); nullopt when absent or wrong.
  std::optional<std::string> text(const Tree& node, const char* key, const std::string& where,
                                  bool required = false);
  // A size as parse_size_bytes reads it, more than zero unless allow_zero.
  std::optional<std::uint64_t> size(const Tree& node, const char* key, const std::string& where,
                                    bool required, bool allow_zero = false);
  std::optional<std::uint64_t> count(const Tree& node, const char* key, const std::string& where);
  std::optional<bool> flag(const Tree& node, const char* key, const std::string& where);
  const Tree* object(const Tree& node, const char* key, const std::string& where, bool required);

  // Calls `read` for each element of the array `key` (absent = empty), with
  // where = "key[i]".
  void each(const Tree& node, const char* key,
            const std::function<void(const Tree&, const std::string&)>& read);

  template <typename T>
  std::optional<T> choice(const Tree& node, const char* key, const std::string& where,
                          const std::map<std::string, T>& choices, bool required = false) {
    const auto value = text(node, key, where, required);
    if (!value) return std::nullopt;
    const auto it = choices.find(*value);
    if (it != choices.end()) return it->second;
    std::string names;
    for (const auto& [name, unused] : choices) names += (names.empty() ? "" : ", ") + name;
    problem(where, std::string(key) + " '" + *value + "' is not one of: " + names);
    return std::nullopt;
  }

 private:
  std::vector<std::string> problems_;
};

}  // namespace harness
