#include "lvm/metadata_text.h"

#include <algorithm>

#include "base/error.h"
#include "lvm/config_tree.h"

namespace pv2luks {

namespace {

using Kind = ConfigValue::Kind;

// "fixvg/root/segment1: " for messages.
std::string at(const std::string& path) { return path + ": "; }

const ConfigNode& required(const ConfigNode& section, const std::string& path, const char* key) {
  const ConfigNode* child = find_child(section, key);
  if (!child) Fail() << at(path) << "no " << key;
  return *child;
}

const ConfigValue& scalar(const ConfigNode& node, const std::string& path) {
  if (node.is_section || node.values.size() != 1) {
    Fail() << at(path) << node.key << " is not a single value";
  }
  return node.values.front();
}

std::uint64_t count(const ConfigNode& section, const std::string& path, const char* key) {
  const ConfigNode& node = required(section, path, key);
  const ConfigValue& value = scalar(node, path);
  if (value.kind != Kind::kInteger || value.integer < 0) {
    Fail() << at(path) << key << " = " << value.text << " is not a whole number";
  }
  return static_cast<std::uint64_t>(value.integer);
}

std::string text(const ConfigNode& section, const std::string& path, const char* key) {
  const ConfigNode& node = required(section, path, key);
  const ConfigValue& value = scalar(node, path);
  if (value.kind != Kind::kString) Fail() << at(path) << key << " is not a string";
  return value.text;
}

std::vector<std::string> string_list(const ConfigNode& section, const std::string& path,
                                     const char* key) {
  std::vector<std::string> out;
  const ConfigNode* node = find_child(section, key);
  if (!node) return out;
  if (node->is_section) Fail() << at(path) << key << " is not a list";
  for (const ConfigValue& value : node->values) {
    if (value.kind != Kind::kString) Fail() << at(path) << key << " holds a non-string";
    out.push_back(value.text);
  }
  return out;
}

// A list of ("name", first extent) pairs, as "stripes" and "mirrors" are.
std::vector<SegmentArea> area_list(const ConfigNode& node, const std::string& path) {
  if (node.is_section || node.values.size() % 2 != 0) {
    Fail() << at(path) << node.key << " is not a list of (name, extent) pairs";
  }
  std::vector<SegmentArea> areas;
  for (std::size_t i = 0; i < node.values.size(); i += 2) {
    const ConfigValue& name = node.values[i];
    const ConfigValue& extent = node.values[i + 1];
    if (name.kind != Kind::kString || extent.kind != Kind::kInteger || extent.integer < 0) {
      Fail() << at(path) << node.key << " entry " << i / 2 << " is not a (name, extent) pair";
    }
    areas.push_back({name.text, static_cast<std::uint64_t>(extent.integer)});
  }
  return areas;
}

PvMeta parse_pv(const ConfigNode& node, const std::string& vg_path) {
  const std::string path = vg_path + "/physical_volumes/" + node.key;
  if (!node.is_section) Fail() << at(path) << "not a section";
  return {node.key, text(node, path, "id"), count(node, path, "dev_size"),
          count(node, path, "pe_start"), count(node, path, "pe_count")};
}

void parse_striped_areas(const ConfigNode& node, const std::string& path, LvSegment& segment) {
  segment.stripe_count = count(node, path, "stripe_count");
  if (segment.stripe_count > 1) segment.stripe_size_sectors = count(node, path, "stripe_size");
  segment.areas = area_list(required(node, path, "stripes"), path);
  if (segment.stripe_count == 0 || segment.areas.size() != segment.stripe_count) {
    Fail() << at(path) << "stripe_count " << segment.stripe_count << " but "
           << segment.areas.size() << " stripes";
  }
  if (segment.extent_count % segment.stripe_count != 0) {
    Fail() << at(path) << "extent_count " << segment.extent_count
           << " is not a multiple of stripe_count " << segment.stripe_count;
  }
}

LvSegment parse_segment(const ConfigNode& node, const std::string& path) {
  LvSegment segment;
  segment.name = node.key;
  segment.start_extent = count(node, path, "start_extent");
  segment.extent_count = count(node, path, "extent_count");
  segment.type = text(node, path, "type");
  if (segment.type == "striped") {
    parse_striped_areas(node, path, segment);
  } else if (const ConfigNode* mirrors = find_child(node, "mirrors")) {
    segment.areas = area_list(*mirrors, path);
  }
  return segment;
}

// Segments sorted by logical extent, each starting where the last ended.
void check_segments_contiguous(const LvMeta& lv, const std::string& path) {
  std::uint64_t next = 0;
  for (const LvSegment& segment : lv.segments) {
    if (segment.start_extent != next) {
      Fail() << path << "/" << segment.name << ": the segment starts at extent "
             << segment.start_extent << ", expected " << next;
    }
    if (segment.extent_count == 0) {
      Fail() << path << "/" << segment.name << ": a segment of 0 extents";
    }
    next += segment.extent_count;
  }
}

LvMeta parse_lv(const ConfigNode& node, const std::string& vg_path) {
  const std::string path = vg_path + "/" + node.key;
  if (!node.is_section) Fail() << at(path) << "not a section";
  LvMeta lv;
  lv.name = node.key;
  lv.status = string_list(node, path, "status");
  for (const ConfigNode& child : node.children) {
    if (child.is_section && child.key.starts_with("segment")) {
      lv.segments.push_back(parse_segment(child, path + "/" + child.key));
    }
  }
  std::sort(lv.segments.begin(), lv.segments.end(),
            [](const LvSegment& a, const LvSegment& b) { return a.start_extent < b.start_extent; });
  check_segments_contiguous(lv, path);
  return lv;
}

const ConfigNode& vg_section(const ConfigNode& root) {
  const ConfigNode* vg = nullptr;
  for (const ConfigNode& child : root.children) {
    if (!child.is_section) continue;
    if (vg) {
      Fail() << "LVM metadata: a second volume group section '" << child.key
             << "' after '" << vg->key << "'";
    }
    vg = &child;
  }
  if (!vg) Fail() << "LVM metadata: no volume group section";
  return *vg;
}

VgMeta parse_vg(const ConfigNode& node) {
  const std::string& path = node.key;
  VgMeta vg;
  vg.name = node.key;
  vg.id = text(node, path, "id");
  vg.seqno = count(node, path, "seqno");
  vg.extent_size_sectors = count(node, path, "extent_size");
  if (vg.extent_size_sectors == 0) Fail() << at(path) << "extent_size is 0";
  const ConfigNode& pvs = required(node, path, "physical_volumes");
  if (!pvs.is_section) Fail() << at(path) << "physical_volumes is not a section";
  for (const ConfigNode& pv : pvs.children) vg.pvs.push_back(parse_pv(pv, path));
  if (const ConfigNode* lvs = find_child(node, "logical_volumes")) {
    if (!lvs->is_section) Fail() << at(path) << "logical_volumes is not a section";
    for (const ConfigNode& lv : lvs->children) vg.lvs.push_back(parse_lv(lv, path));
  }
  return vg;
}

}  // namespace

bool LvMeta::visible() const {
  return std::find(status.begin(), status.end(), "VISIBLE") != status.end();
}

const PvMeta* VgMeta::find_pv(std::string_view pv_name) const {
  for (const PvMeta& pv : pvs) {
    if (pv.name == pv_name) return &pv;
  }
  return nullptr;
}

VgMeta parse_vg_metadata(std::string_view metadata) {
  return parse_vg(vg_section(parse_config(metadata)));
}

}  // namespace pv2luks
