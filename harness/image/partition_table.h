// The partition table of an image, written by sfdisk from the planned
// geometry and read back to check it landed where planned.
#pragma once

#include <string>
#include <vector>

#include "image/geometry.h"
#include "image/layout_spec.h"

namespace harness {

// The sfdisk script for the spec's table: every start and size in sectors,
// as plan_geometry placed them. Pure.
std::string sfdisk_script(const LayoutSpec& spec, const std::vector<PartitionPlacement>& placed);

// sfdisk's partition type for a table kind ("lvm" on gpt -> its GUID).
std::string partition_type_code(PartitionTable table, PartitionType type);

// Parses `sfdisk --json` output into placements (number from table order).
std::vector<PartitionPlacement> parse_sfdisk_json(const std::string& json);

// Writes the table into the image file and checks sfdisk's view of it.
void write_partition_table(const std::string& image_path, const LayoutSpec& spec,
                           const std::vector<PartitionPlacement>& placed);

}  // namespace harness
