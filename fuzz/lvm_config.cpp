// lvm/config_tree: LVM's configuration syntax (sections, values, lists,
// strings with escapes, comments), which its metadata text is written in,
// through libdevmapper's parser and pv2luks's nesting check before it.
//
// Input: the text.
#include "fuzz_glue.h"
#include "lvm/config_tree.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

namespace {

void walk(const ConfigNode& node) {
  require(!(node.is_section && !node.values.empty()), "a section with values");
  require(node.is_section || node.children.empty(), "a key with entries");
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
