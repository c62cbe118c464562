#include "image/layout_spec.h"

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/size.h"
#include "image/geometry.h"
#include "image/spec_fields.h"

namespace harness {

namespace {

namespace pt = boost::property_tree;

const std::map<std::string, PartitionTable> kTables = {
    {"gpt", PartitionTable::gpt}, {"msdos", PartitionTable::msdos}, {"none", PartitionTable::none}};
const std::map<std::string, PartitionType> kTypes = {
    {"linux", PartitionType::linux}, {"lvm", PartitionType::lvm}, {"swap", PartitionType::swap}};
const std::map<std::string, ContentKind> kContents = {
    {"zero", ContentKind::zero}, {"random", ContentKind::random}, {"ext4", ContentKind::ext4}};

constexpr std::uint64_t kMaxSegments = 16;
constexpr std::uint64_t kMinExt4Bytes = 1024 * 1024;
constexpr std::uint64_t kMinExtentBytes = 4096;

ContentSpec read_content(SpecReader& reader, const pt::ptree& node, const std::string& where) {
  ContentSpec content;
  content.kind = reader.choice(node, "content", where, kContents).value_or(ContentKind::zero);
  content.seed = reader.count(node, "seed", where).value_or(0);
  return content;
}

PartitionSpec read_partition(SpecReader& reader, const pt::ptree& node, const std::string& where) {
  reader.known_fields(node, where, {"size", "type", "pv", "logical", "content", "seed"});
  PartitionSpec part;
  part.logical = reader.flag(node, "logical", where).value_or(false);
  const auto size = reader.text(node, "size", where, true);
  if (size && *size != "rest") part.size_bytes = reader.size(node, "size", where, true);
  part.pv = reader.flag(node, "pv", where).value_or(false);
  const PartitionType fallback = part.pv ? PartitionType::lvm : PartitionType::linux;
  part.type = reader.choice(node, "type", where, kTypes).value_or(fallback);
  part.content = read_content(reader, node, where);
  if (part.pv && (node.count("content") || node.count("seed"))) {
    reader.problem(where, "the PV partition cannot have content or seed; give content to the LVs");
  }
  return part;
}

PvSpec read_pv(SpecReader& reader, const pt::ptree& node) {
  const std::string where = "pv";
  reader.known_fields(node, where, {"vg", "size", "tail_room", "extent_size"});
  PvSpec pv;
  pv.vg = reader.text(node, "vg", where, true).value_or("");
  pv.size_bytes = reader.size(node, "size", where, false);
  pv.tail_room_bytes = reader.size(node, "tail_room", where, false, true);
  pv.extent_size_bytes = reader.size(node, "extent_size", where, false).value_or(4 * kMiB);
  return pv;
}

LvSpec read_lv(SpecReader& reader, const pt::ptree& node, const std::string& where) {
  reader.known_fields(node, where, {"name", "size", "segments", "content", "seed"});
  LvSpec lv;
  lv.name = reader.text(node, "name", where, true).value_or("");
  lv.size_bytes = reader.size(node, "size", where, true).value_or(0);
  lv.segments = reader.count(node, "segments", where).value_or(1);
  lv.content = read_content(reader, node, where);
  return lv;
}

LayoutSpec read_spec(SpecReader& reader, const pt::ptree& root) {
  reader.known_fields(root, "", {"disk_size", "partition_table", "partitions", "pv", "lvs"});
  LayoutSpec spec;
  spec.disk_size_bytes = reader.size(root, "disk_size", "", true).value_or(0);
  spec.table = reader.choice(root, "partition_table", "", kTables, true).value_or(spec.table);
  reader.each(root, "partitions", [&](const pt::ptree& node, const std::string& where) {
    spec.partitions.push_back(read_partition(reader, node, where));
  });
  if (const auto pv = reader.object(root, "pv", "", true)) spec.pv = read_pv(reader, *pv);
  reader.each(root, "lvs", [&](const pt::ptree& node, const std::string& where) {
    spec.lvs.push_back(read_lv(reader, node, where));
  });
  return spec;
}

// ---- checks of the values, one topic each ----

bool is_sector_multiple(std::uint64_t bytes) { return bytes % kSectorBytes == 0; }

void check_disk(SpecReader& reader, const LayoutSpec& spec) {
  if (!is_sector_multiple(spec.disk_size_bytes)) {
    reader.problem("disk_size", "must be a multiple of 512 bytes");
  }
  if (spec.table == PartitionTable::msdos && spec.disk_size_bytes > kMaxMsdosDiskBytes) {
    reader.problem("disk_size", "an msdos table addresses at most 2 TiB; use \"gpt\"");
  }
}

void check_partition(SpecReader& reader, const PartitionSpec& part, const std::string& where,
                     bool is_last) {
  if (!part.size_bytes && !is_last) {
    reader.problem(where, "only the last partition can have size \"rest\"");
  }
  if (part.size_bytes && !is_sector_multiple(*part.size_bytes)) {
    reader.problem(where, "size must be a multiple of 512 bytes");
  }
  if (part.content.kind == ContentKind::ext4 && part.size_bytes &&
      *part.size_bytes < kMinExt4Bytes) {
    reader.problem(where, "ext4 content needs at least 1 MiB");
  }
}

void check_partitions(SpecReader& reader, const LayoutSpec& spec) {
  const auto& parts = spec.partitions;
  if (spec.table == PartitionTable::none) {
    if (!parts.empty()) {
      reader.problem("partitions", "must be empty when partition_table is \"none\" "
                                   "(the whole disk is the PV)");
    }
    return;
  }
  const auto pv_count = std::count_if(parts.begin(), parts.end(), [](auto& p) { return p.pv; });
  if (pv_count != 1) {
    reader.problem("partitions", "exactly one partition needs \"pv\": true (found " +
                                     std::to_string(pv_count) + ")");
  }
  const auto logical_count =
      std::count_if(parts.begin(), parts.end(), [](auto& p) { return p.logical; });
  if (logical_count > 0 && spec.table != PartitionTable::msdos) {
    reader.problem("partitions", "\"logical\" partitions need partition_table \"msdos\"");
  }
  const std::size_t primaries = parts.size() - static_cast<std::size_t>(logical_count);
  for (std::size_t i = primaries; i < parts.size(); ++i) {
    if (!parts[i].logical) {
      reader.problem("partitions", "logical partitions must come after every primary one "
                                   "(partitions[" + std::to_string(i) + "] is primary)");
      break;
    }
  }
  const std::size_t limit = spec.table == PartitionTable::msdos ? (logical_count ? 3 : 4) : 128;
  if (primaries > limit) {
    reader.problem("partitions", "at most " + std::to_string(limit) +
                                     (logical_count ? " primary partitions fit this table with "
                                                      "an extended partition"
                                                    : " partitions fit this table"));
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    check_partition(reader, parts[i], "partitions[" + std::to_string(i) + "]",
                    i + 1 == parts.size());
  }
}

void check_pv(SpecReader& reader, const PvSpec& pv) {
  if (!pv.vg.empty() && !is_lvm_name(pv.vg)) {
    reader.problem("pv", "vg '" + pv.vg + "' is not a valid VG name; " + kLvmNameRule);
  }
  if (pv.size_bytes && pv.tail_room_bytes) {
    reader.problem("pv", "give size or tail_room, not both");
  }
  const auto unit = pv.size_bytes ? pv.size_bytes : pv.tail_room_bytes;
  if (unit && !is_sector_multiple(*unit)) {
    reader.problem("pv", "size and tail_room must be multiples of 512 bytes");
  }
  const std::uint64_t extent = pv.extent_size_bytes;
  if (extent < kMinExtentBytes || (extent & (extent - 1)) != 0) {
    reader.problem("pv", "extent_size " + format_size(extent) +
                             " must be a power of two of at least 4 KiB, e.g. \"4M\"");
  }
}

void check_lv(SpecReader& reader, const LvSpec& lv, const std::string& where,
              std::uint64_t extent_bytes) {
  if (!lv.name.empty() && !is_lvm_name(lv.name)) {
    reader.problem(where, "name '" + lv.name + "' is not a valid LV name; " + kLvmNameRule);
  }
  if (lv.name.rfind(kSpacerPrefix, 0) == 0) {
    reader.problem(where, std::string("names starting with ") + kSpacerPrefix +
                              " are kept for the build's spacers; rename it");
  }
  if (extent_bytes == 0 || lv.size_bytes % extent_bytes != 0) {
    reader.problem(where, "size " + format_size(lv.size_bytes) +
                              " must be a multiple of pv.extent_size " + format_size(extent_bytes));
  }
  const std::uint64_t extents = extent_bytes ? lv.size_bytes / extent_bytes : 0;
  if (lv.segments < 1 || lv.segments > kMaxSegments || lv.segments > extents) {
    reader.problem(where, "segments " + std::to_string(lv.segments) + " must be between 1 and " +
                              std::to_string(kMaxSegments) + ", and at most the LV's extents");
  }
  if (lv.content.kind == ContentKind::ext4 && lv.size_bytes < kMinExt4Bytes) {
    reader.problem(where, "ext4 content needs at least 1 MiB");
  }
}

void check_lvs(SpecReader& reader, const LayoutSpec& spec) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < spec.lvs.size(); ++i) {
    const LvSpec& lv = spec.lvs[i];
    const std::string where = "lvs[" + std::to_string(i) + "]";
    if (!lv.name.empty() && !names.insert(lv.name).second) {
      reader.problem(where, "name '" + lv.name + "' is used twice; LV names must be unique");
    }
    check_lv(reader, lv, where, spec.pv.extent_size_bytes);
  }
}

void check_values(SpecReader& reader, const LayoutSpec& spec) {
  check_disk(reader, spec);
  check_partitions(reader, spec);
  check_pv(reader, spec.pv);
  check_lvs(reader, spec);
}

}  // namespace

const char* content_name(ContentKind kind) {
  switch (kind) {
    case ContentKind::zero: return "zero";
    case ContentKind::random: return "random";
    case ContentKind::ext4: return "ext4";
  }
  return "?";
}

std::vector<std::string> layout_problems(const std::string& json_text, LayoutSpec& spec) {
  pt::ptree root;
  std::istringstream in(json_text);
  try {
    pt::read_json(in, root);
  } catch (const pt::json_parser_error& e) {
    return {"not valid JSON: line " + std::to_string(e.line()) + ": " + e.message() +
            "; fix the syntax"};
  }
  SpecReader reader;
  spec = read_spec(reader, root);
  if (!reader.problems().empty()) return reader.problems();
  check_values(reader, spec);
  if (!reader.problems().empty()) return reader.problems();
  return fit_problems(spec);
}

LayoutSpec load_layout(const std::string& json_text, const std::string& origin) {
  LayoutSpec spec;
  const std::vector<std::string> problems = layout_problems(json_text, spec);
  if (problems.empty()) return spec;
  std::string message = origin + ": bad layout spec:";
  for (const std::string& problem : problems) message += "\n  " + problem;
  throw Error(message, kExitUsage);
}

}  // namespace harness
