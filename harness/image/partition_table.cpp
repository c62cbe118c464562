#include "image/partition_table.h"

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <cctype>
#include <sstream>

#include "common/error.h"
#include "base/json.h"
#include "common/process.h"

namespace harness {

std::string partition_type_code(PartitionTable table, PartitionType type) {
  const bool gpt = table == PartitionTable::gpt;
  switch (type) {
    case PartitionType::linux: return gpt ? "0FC63DAF-8483-4772-8E79-3D69D8477DE4" : "83";
    case PartitionType::lvm: return gpt ? "E6D6D379-F507-44C2-A23C-238F2A3DF928" : "8e";
    case PartitionType::swap: return gpt ? "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F" : "82";
  }
  return "";
}

std::string sfdisk_script(const LayoutSpec& spec, const std::vector<PartitionPlacement>& placed) {
  std::ostringstream script;
  script << "label: " << (spec.table == PartitionTable::gpt ? "gpt" : "dos") << "\n";
  script << "unit: sectors\n";
  script << "sector-size: " << kSectorBytes << "\n\n";
  const auto extended = extended_placement(spec, placed);
  for (std::size_t i = 0; i < placed.size(); ++i) {
    if (extended && static_cast<int>(i) + 1 == extended->number) {
      script << "start=" << extended->start_bytes / kSectorBytes
             << ", size=" << extended->size_bytes / kSectorBytes << ", type=5\n";
    }
    script << "start=" << placed[i].start_bytes / kSectorBytes
           << ", size=" << placed[i].size_bytes / kSectorBytes
           << ", type=" << partition_type_code(spec.table, spec.partitions[i].type) << "\n";
  }
  return script.str();
}

std::vector<PartitionPlacement> parse_sfdisk_json(const std::string& json) {
  namespace pt = boost::property_tree;
  const pt::ptree root = pv2luks::parse_json(json, "sfdisk --json");
  const auto sector_bytes = root.get<std::uint64_t>("partitiontable.sectorsize", kSectorBytes);
  std::vector<PartitionPlacement> placed;
  const auto parts = root.get_child_optional("partitiontable.partitions");
  if (!parts) return placed;
  for (const auto& [unused, part] : *parts) {
    // The number is the node's trailing digits ("disk.img5"), since an
    // extended partition and its logical ones make the list skip numbers.
    const std::string node = part.get<std::string>("node", "");
    std::size_t digits = node.size();
    while (digits > 0 && std::isdigit(static_cast<unsigned char>(node[digits - 1]))) --digits;
    const int number = digits < node.size() ? std::stoi(node.substr(digits))
                                            : static_cast<int>(placed.size()) + 1;
    placed.push_back({number, part.get<std::uint64_t>("start") * sector_bytes,
                      part.get<std::uint64_t>("size") * sector_bytes});
  }
  return placed;
}

void write_partition_table(const std::string& image_path, const LayoutSpec& spec,
                           const std::vector<PartitionPlacement>& placed) {
  run_checked({"sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", "--wipe", "never",
               image_path},
              sfdisk_script(spec, placed));
  auto written = parse_sfdisk_json(run_checked({"sfdisk", "--json", image_path}));
  if (const auto extended = extended_placement(spec, placed)) {
    std::erase(written, *extended);
  }
  if (written != placed) {
    Fail() << image_path << ": sfdisk placed the partitions differently than planned";
  }
}

}  // namespace harness
