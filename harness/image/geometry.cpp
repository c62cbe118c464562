#include "image/geometry.h"

#include "common/size.h"

namespace harness {

std::uint64_t align_up(std::uint64_t value, std::uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

std::uint64_t align_down(std::uint64_t value, std::uint64_t alignment) {
  return value / alignment * alignment;
}

std::uint64_t usable_end_bytes(PartitionTable table, std::uint64_t disk_size_bytes) {
  if (table != PartitionTable::gpt) return disk_size_bytes;
  return disk_size_bytes > kGptBackupBytes ? disk_size_bytes - kGptBackupBytes : 0;
}

std::vector<PartitionPlacement> place_partitions(const LayoutSpec& spec) {
  std::vector<PartitionPlacement> placed;
  const std::uint64_t end = usable_end_bytes(spec.table, spec.disk_size_bytes);
  std::uint64_t next = kPartitionAlignmentBytes;
  int logical_number = kFirstLogicalNumber;
  for (const PartitionSpec& part : spec.partitions) {
    PartitionPlacement placement;
    placement.number = static_cast<int>(placed.size()) + 1;
    if (part.logical) {
      placement.number = logical_number++;
      next += kPartitionAlignmentBytes;  // the EBR's MiB (the first one opens the extended partition)
    }
    placement.start_bytes = next;
    if (part.size_bytes) {
      placement.size_bytes = *part.size_bytes;
    } else {
      const std::uint64_t rest_end = align_down(end, kPartitionAlignmentBytes);
      placement.size_bytes = rest_end > next ? rest_end - next : 0;
    }
    placed.push_back(placement);
    next = align_up(placement.start_bytes + placement.size_bytes, kPartitionAlignmentBytes);
  }
  return placed;
}

std::optional<PartitionPlacement> extended_placement(
    const LayoutSpec& spec, const std::vector<PartitionPlacement>& placed) {
  std::optional<PartitionPlacement> extended;
  int primaries = 0;
  for (std::size_t i = 0; i < spec.partitions.size() && i < placed.size(); ++i) {
    if (!spec.partitions[i].logical) {
      ++primaries;
      continue;
    }
    const PartitionPlacement& p = placed[i];
    if (!extended) extended = PartitionPlacement{0, p.start_bytes - kPartitionAlignmentBytes, 0};
    extended->size_bytes = p.start_bytes + p.size_bytes - extended->start_bytes;
  }
  if (extended) extended->number = primaries + 1;
  return extended;
}

namespace {

PartitionPlacement pv_area(const LayoutSpec& spec,
                           const std::vector<PartitionPlacement>& partitions) {
  if (spec.table == PartitionTable::none) return {0, 0, spec.disk_size_bytes};
  for (std::size_t i = 0; i < spec.partitions.size(); ++i) {
    if (spec.partitions[i].pv) return partitions[i];
  }
  return {};
}

std::uint64_t pv_size_bytes(const PvSpec& pv, std::uint64_t area_bytes) {
  if (pv.size_bytes) return *pv.size_bytes;
  if (pv.tail_room_bytes) return area_bytes > *pv.tail_room_bytes ? area_bytes - *pv.tail_room_bytes : 0;
  return area_bytes;
}

std::uint64_t lv_extents(const LvSpec& lv, std::uint64_t extent_bytes) {
  return lv.size_bytes / extent_bytes;
}

void partition_problems(const LayoutSpec& spec, const std::vector<PartitionPlacement>& placed,
                        std::vector<std::string>& problems) {
  const std::uint64_t end = usable_end_bytes(spec.table, spec.disk_size_bytes);
  for (std::size_t i = 0; i < placed.size(); ++i) {
    const PartitionPlacement& p = placed[i];
    const std::string where = "partitions[" + std::to_string(i) + "]";
    if (p.size_bytes == 0) {
      problems.push_back(where + ": no room is left for \"rest\"; make disk_size larger");
    } else if (p.start_bytes + p.size_bytes > end) {
      problems.push_back(where + ": ends at " + format_size(p.start_bytes + p.size_bytes) +
                         " but the usable disk ends at " + format_size(end) +
                         "; make disk_size larger or the partitions smaller");
    }
  }
}

void pv_problems(const PvPlacement& pv, std::vector<std::string>& problems) {
  if (pv.pv_size_bytes > pv.area.size_bytes) {
    problems.push_back("pv: size " + format_size(pv.pv_size_bytes) + " is larger than its " +
                       (pv.area.number ? "partition" : "disk") + " (" +
                       format_size(pv.area.size_bytes) + "); make it smaller");
  } else if (pv.pe_count == 0) {
    problems.push_back("pv: size " + format_size(pv.pv_size_bytes) +
                       " leaves no room for one extent after the 1 MiB metadata area; "
                       "make it larger");
  }
}

void lv_fit_problems(const LayoutSpec& spec, const PvPlacement& pv,
                     std::vector<std::string>& problems) {
  const std::uint64_t needed = extents_needed(spec);
  if (needed <= pv.pe_count) return;
  problems.push_back("lvs: need " + std::to_string(needed) + " extents of " +
                     format_size(pv.extent_size_bytes) +
                     " (spacers of multi-segment LVs included) but the VG has " +
                     std::to_string(pv.pe_count) + "; make the LVs smaller or the PV larger");
}

}  // namespace

DiskGeometry plan_geometry(const LayoutSpec& spec) {
  DiskGeometry geometry;
  geometry.partitions = place_partitions(spec);
  PvPlacement& pv = geometry.pv;
  pv.area = pv_area(spec, geometry.partitions);
  pv.pv_size_bytes = pv_size_bytes(spec.pv, pv.area.size_bytes);
  pv.extent_size_bytes = spec.pv.extent_size_bytes;
  if (pv.pv_size_bytes > pv.pe_start_bytes && pv.pv_size_bytes <= pv.area.size_bytes) {
    pv.pe_count = (pv.pv_size_bytes - pv.pe_start_bytes) / pv.extent_size_bytes;
  }
  return geometry;
}

std::vector<std::uint64_t> segment_extents(std::uint64_t extents, std::uint64_t segments) {
  std::vector<std::uint64_t> runs(segments, extents / segments);
  for (std::uint64_t i = 0; i < extents % segments; ++i) ++runs[i];
  return runs;
}

std::uint64_t extents_needed(const LayoutSpec& spec) {
  std::uint64_t extents = 0;
  for (const LvSpec& lv : spec.lvs) {
    extents += lv_extents(lv, spec.pv.extent_size_bytes) + (lv.segments - 1);
  }
  return extents;
}

std::vector<std::string> fit_problems(const LayoutSpec& spec) {
  const DiskGeometry geometry = plan_geometry(spec);
  std::vector<std::string> problems;
  partition_problems(spec, geometry.partitions, problems);
  if (!problems.empty()) return problems;
  if (spec.pv.tail_room_bytes && *spec.pv.tail_room_bytes >= geometry.pv.area.size_bytes) {
    problems.push_back("pv: tail_room " + format_size(*spec.pv.tail_room_bytes) +
                       " leaves no room for the PV in " + format_size(geometry.pv.area.size_bytes) +
                       "; make it smaller");
    return problems;
  }
  pv_problems(geometry.pv, problems);
  if (problems.empty()) lv_fit_problems(spec, geometry.pv, problems);
  return problems;
}

}  // namespace harness
