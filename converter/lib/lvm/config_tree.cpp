#include "lvm/config_tree.h"

#include <libdevmapper.h>

#include <memory>

#include "base/error.h"
#include "dm/libdm_log.h"

namespace pv2luks {

namespace {

// libdevmapper's parser recurses once per nested section without a limit
// (a million nested sections crashed it): text nested deeper than this
// (LVM's metadata nests four deep) is refused before it gets there. Braces
// inside strings and comments do not count.
constexpr int kMaxDepth = 64;

void check_depth(std::string_view text) {
  int depth = 0;
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
        if (i < text.size() && text[i] == '\n') ++line;
      }
    } else if (c == '{' && ++depth > kMaxDepth) {
      Fail() << "line " << line << ": sections nested deeper than " << kMaxDepth;
    } else if (c == '}' && depth > 0) {
      --depth;
    }
  }
}

ConfigValue value_of(const dm_config_value& v) {
  ConfigValue value;
  switch (v.type) {
    case DM_CFG_INT:
      value.kind = ConfigValue::Kind::kInteger;
      value.integer = v.v.i;
      value.text = std::to_string(v.v.i);
      break;
    case DM_CFG_FLOAT:
      value.kind = ConfigValue::Kind::kFloat;
      value.text = std::to_string(v.v.f);
      break;
    default:
      value.text = v.v.str ? v.v.str : "";
      break;
  }
  return value;
}

// libdevmapper's node and its siblings, into `section`'s children.
void copy_children(const dm_config_node* node, ConfigNode& section) {
  for (; node; node = node->sib) {
    ConfigNode& child = section.children.emplace_back();
    child.key = node->key ? node->key : "";
    // A section has no value; `key = [ ]` has one of type EMPTY_ARRAY.
    child.is_section = node->v == nullptr;
    for (const dm_config_value* v = node->v; v; v = v->next) {
      if (v->type != DM_CFG_EMPTY_ARRAY) child.values.push_back(value_of(*v));
    }
    copy_children(node->child, child);
  }
}

}  // namespace

ConfigNode parse_config(std::string_view text) {
  text = text.substr(0, text.find('\0'));
  check_depth(text);
  const std::unique_ptr<dm_config_tree, decltype(&dm_config_destroy)> tree(dm_config_create(),
                                                                           dm_config_destroy);
  if (!tree) Fail() << "out of memory for LVM's config parser";
  dm::LibdmErrorCapture capture;
  // Without the duplicate check, as LVM reads metadata: two sections of one
  // name stay two (the metadata checks name the second one).
  if (!dm_config_parse_without_dup_node_check(tree.get(), text.data(),
                                               text.data() + text.size())) {
    const std::string why = capture.last_error();
    Fail() << (why.empty() ? std::string("not in LVM's config syntax") : why);
  }
  ConfigNode root;
  root.is_section = true;
  copy_children(tree->root, root);
  return root;
}

const ConfigNode* find_child(const ConfigNode& section, std::string_view key) {
  for (const ConfigNode& child : section.children) {
    if (child.key == key) return &child;
  }
  return nullptr;
}

}  // namespace pv2luks
