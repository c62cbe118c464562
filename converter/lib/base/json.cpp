#include "base/json.h"

#include <boost/property_tree/json_parser.hpp>
#include <sstream>

#include "base/error.h"

namespace pv2luks {

boost::property_tree::ptree parse_json(const std::string& text, const std::string& what) {
  namespace pt = boost::property_tree;
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
