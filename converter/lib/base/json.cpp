#include "base/json.h"

#include <boost/property_tree/json_parser.hpp>
#include <sstream>

#include "base/error.h"

namespace pv2luks {

namespace {

// Boost's JSON parser recurses once per nested array or object: text nested
// deeper than any report (pvs nests four deep) is refused before it runs,
// so it cannot exhaust the stack.
constexpr int kMaxDepth = 64;

void check_depth(const std::string& text, const std::string& what) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) {
        Fail() << what << ": not valid JSON: nested deeper than " << kMaxDepth;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

}  // namespace

boost::property_tree::ptree parse_json(const std::string& text, const std::string& what) {
  namespace pt = boost::property_tree;
  check_depth(text, what);
  pt::ptree root;
  std::istringstream in(text);
  try {
    pt::read_json(in, root);
  } catch (const pt::json_parser_error& e) {
    Fail() << what << ": not valid JSON: line " << e.line() << ": " << e.message();
  }
  return root;
}

}  // namespace pv2luks
