// lvm/config_tree: LVM's configuration syntax (sections, values, lists,
// strings with escapes, comments), which its metadata text is written in.
//
// Input: the text.
#include "fuzz_glue.h"
#include "lvm/config_tree.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

namespace {

void walk(const ConfigNode& node) {
  require(!(node.is_section && node.is_list), "a node both section and list");
  require(node.is_section || node.is_list || node.values.size() == 1, "a key without one value");
  for (const ConfigNode& child : node.children) {
    require(find_child(node, child.key) != nullptr, "find_child misses a child");
    walk(child);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  refused([&] { walk(parse_config(text_of({data, size}))); });
  return 0;
}
