// JSON text read into a Boost.PropertyTree, for the reports of lvm and
// sfdisk. Invalid JSON is an Error: "<what>: not valid JSON: line N: ...".
#pragma once

#include <boost/property_tree/ptree.hpp>
#include <string>

namespace pv2luks {

boost::property_tree::ptree parse_json(const std::string& text, const std::string& what);

}  // namespace pv2luks
