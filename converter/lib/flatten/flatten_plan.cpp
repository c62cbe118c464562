#include "flatten/flatten_plan.h"

#include <functional>
#include <optional>

#include "flatten/layer_parse.h"

namespace pv2luks {
namespace {

// The crypt device's one target, or nullopt with the reason in `problems`.
std::optional<CryptLayerTarget> crypt_of(const CryptLayer& crypt,
                                         std::vector<std::string>& problems) {
  if (crypt.table.size() != 1 || crypt.table[0].start_sectors != 0) {
    problems.push_back(crypt.name + ": it has " + std::to_string(crypt.table.size()) +
                       " segments; only a crypt device of one segment is flattened (one in "
                       "reencryption has several: finish it with cryptsetup reencrypt first)");
    return std::nullopt;
  }
  std::string problem;
  std::optional<CryptLayerTarget> target = parse_crypt_target(crypt.table[0], problem);
  if (!target) problems.push_back(crypt.name + ": " + problem);
  return target;
}

// Whether `sectors` (512-byte) is a whole number of the spec's encryption sectors.
bool whole_units(std::uint64_t sectors, const CryptSpec& spec) {
  return sectors % (spec.sector_bytes / kSectorBytes) == 0;
}

// Where [offset, offset + length) of the crypt device fails to be a run of
// whole encryption sectors inside it: "" when it is one.
std::string placement_problem(const CryptLayerTarget& layer, std::uint64_t start,
                              std::uint64_t offset, std::uint64_t length) {
  if (offset > layer.length_sectors || length > layer.length_sectors - offset) {
    return "sectors " + std::to_string(offset) + "+" + std::to_string(length) +
           " lie beyond the crypt device's " + std::to_string(layer.length_sectors);
  }
  if (!whole_units(start, layer.spec) || !whole_units(offset, layer.spec) ||
      !whole_units(length, layer.spec)) {
    return "it is not made of whole " + std::to_string(layer.spec.sector_bytes) +
           "-byte encryption sectors";
  }
  return "";
}

bool same_encryption(const CryptSpec& a, const CryptSpec& b) {
  return a.cipher == b.cipher && a.sector_bytes == b.sector_bytes &&
         a.iv_large_sectors == b.iv_large_sectors && a.flags == b.flags;
}

// One LV segment flattened onto the disk, or nullopt with `problem` set.
std::optional<DmTarget> flattened(const CryptLayer& crypt, const CryptLayerTarget& layer,
                                  const CryptSpec& spec, const dm::KernelTarget& target,
                                  std::string& problem) {
  const std::optional<LinearLayerTarget> linear = parse_linear_target(target, problem);
  if (!linear) return std::nullopt;
  if (linear->device != crypt.device_number) {
    problem = "it maps onto " + linear->device + ", not " + crypt.name + " (" +
              crypt.device_number + "): LVs with extents on other PVs are not flattened";
    return std::nullopt;
  }
  problem = placement_problem(layer, linear->start_sectors, linear->offset_sectors,
                              linear->length_sectors);
  if (!problem.empty()) return std::nullopt;
  return crypt_target(linear->start_sectors, linear->length_sectors, spec,
                      layer.iv_offset_sectors + linear->offset_sectors, layer.device,
                      layer.offset_sectors + linear->offset_sectors);
}

// One flattened segment mapped back onto the crypt device, or nullopt with
// `problem` set.
std::optional<DmTarget> unflattened(const CryptLayer& crypt, const CryptLayerTarget& layer,
                                    const dm::KernelTarget& target, std::string& problem) {
  const std::optional<CryptLayerTarget> flat = parse_crypt_target(target, problem);
  if (!flat) {
    problem += " (not a flattened LV)";
    return std::nullopt;
  }
  if (flat->device != layer.device || !same_encryption(flat->spec, layer.spec) ||
      flat->offset_sectors < layer.offset_sectors) {
    problem = "its crypt target (" + flat->spec.cipher + " on " + flat->device + " at " +
              std::to_string(flat->offset_sectors) + ") is not a part of " + crypt.name +
              " (" + layer.spec.cipher + " on " + layer.device + " at " +
              std::to_string(layer.offset_sectors) + ")";
    return std::nullopt;
  }
  const std::uint64_t offset = flat->offset_sectors - layer.offset_sectors;
  problem = placement_problem(layer, flat->start_sectors, offset, flat->length_sectors);
  if (!problem.empty()) return std::nullopt;
  if (flat->iv_offset_sectors != layer.iv_offset_sectors + offset) {
    problem = "its IV offset is " + std::to_string(flat->iv_offset_sectors) +
              ", but its place on the disk says " +
              std::to_string(layer.iv_offset_sectors + offset) +
              ": it does not read what was written there; refusing to remap it";
    return std::nullopt;
  }
  return linear_target(flat->start_sectors, flat->length_sectors, crypt.device_number, offset);
}

// Every LV's table, each segment through `map`; the tables only if no
// segment failed.
using SegmentMap = std::function<std::optional<DmTarget>(const dm::KernelTarget&, std::string&)>;
LayerPlan map_segments(const std::vector<LvLayer>& lvs, const SegmentMap& map) {
  LayerPlan plan;
  for (const LvLayer& lv : lvs) {
    DmTable table;
    bool mapped = true;
    for (std::size_t i = 0; i < lv.table.size(); ++i) {
      std::string problem;
      if (std::optional<DmTarget> target = map(lv.table[i], problem)) {
        table.targets.push_back(std::move(*target));
      } else {
        plan.problems.push_back(lv.name + ": segment " + std::to_string(i) + ": " + problem);
        mapped = false;
      }
    }
    // A table missing refused segments says nothing more about them.
    if (mapped) {
      for (const std::string& problem : table.validate()) plan.problems.push_back(lv.name + ": " + problem);
    }
    plan.tables.emplace_back(lv.name, std::move(table));
  }
  if (!plan.ok()) plan.tables.clear();
  return plan;
}

}  // namespace

LayerPlan plan_flatten(const CryptLayer& crypt, const std::vector<LvLayer>& lvs,
                       const KeyRef& key) {
  LayerPlan refused;
  const std::optional<CryptLayerTarget> layer = crypt_of(crypt, refused.problems);
  if (!layer) return refused;
  CryptSpec spec = layer->spec;
  // cipher_null takes no key: "-", as the crypt device's own table has it.
  spec.key = is_null_cipher(spec.cipher) ? KeyRef() : key;
  return map_segments(lvs, [&](const dm::KernelTarget& target, std::string& problem) {
    return flattened(crypt, *layer, spec, target, problem);
  });
}

LayerPlan plan_unflatten(const CryptLayer& crypt, const std::vector<LvLayer>& lvs) {
  LayerPlan refused;
  const std::optional<CryptLayerTarget> layer = crypt_of(crypt, refused.problems);
  if (!layer) return refused;
  return map_segments(lvs, [&](const dm::KernelTarget& target, std::string& problem) {
    return unflattened(crypt, *layer, target, problem);
  });
}

}  // namespace pv2luks
