#include "lvm/pv_metadata.h"

#include <algorithm>
#include <cassert>
#include <optional>

#include "base/error.h"

namespace pv2luks {

namespace {

// Extents each area of `segment` holds: a stripe holds its share, a mirror
// leg the whole segment.
std::uint64_t extents_per_area(const LvSegment& segment) {
  if (segment.type == "striped") return segment.extent_count / segment.stripe_count;
  return segment.extent_count;
}

// Every area's extents on this PV must lie within its pe_count.
void check_areas_on_pv(const PvOnDisk& pv) {
  const std::uint64_t pe_count = pv.pe_count();
  for (const LvMeta& lv : pv.vg.lvs) {
    for (const LvSegment& segment : lv.segments) {
      for (const SegmentArea& area : segment.areas) {
        if (area.name != pv.this_pv) continue;
        if (area.first_extent + extents_per_area(segment) > pe_count) {
          Fail() << pv.vg.name << "/" << lv.name << "/" << segment.name
                 << " uses extents " << area.first_extent << "+" << extents_per_area(segment)
                 << " of " << pv.this_pv << ", which has " << pe_count;
        }
      }
    }
  }
}

// Why `lv` cannot be read from this PV alone, or "".
std::string skip_reason(const PvOnDisk& pv, const LvMeta& lv) {
  if (!lv.visible()) return "hidden (a part of another LV)";
  if (lv.segments.empty()) return "no segments";
  for (const LvSegment& segment : lv.segments) {
    if (segment.type != "striped") return "segment type '" + segment.type + "'";
    if (segment.stripe_count != 1) {
      return "striped over " + std::to_string(segment.stripe_count) + " stripes";
    }
    const SegmentArea& area = segment.areas.front();
    if (!pv.vg.find_pv(area.name)) return "stacked on LV '" + area.name + "'";
    if (area.name != pv.this_pv) return "has extents on another PV (" + area.name + ")";
  }
  return "";
}

std::vector<PvByteRange> lv_ranges(const PvOnDisk& pv, const LvMeta& lv) {
  std::vector<PvByteRange> ranges;
  for (const LvSegment& segment : lv.segments) {
    const std::uint64_t first_pe = segment.areas.front().first_extent;
    ranges.push_back({pv.pe_start_bytes + first_pe * pv.extent_size_bytes(),
                      segment.extent_count * pv.extent_size_bytes()});
  }
  return ranges;
}

std::uint64_t lv_extents(const LvMeta& lv) {
  std::uint64_t extents = 0;
  for (const LvSegment& segment : lv.segments) extents += segment.extent_count;
  return extents;
}

}  // namespace

const PvMeta& PvOnDisk::meta() const {
  const PvMeta* pv = vg.find_pv(this_pv);
  assert(pv);  // pv_on_disk found it
  return *pv;
}

std::uint64_t PvOnDisk::extent_size_bytes() const {
  return vg.extent_size_sectors * kSectorBytes;
}

std::uint64_t PvOnDisk::pe_count() const { return meta().pe_count; }

PvOnDisk pv_on_disk(const PvLabel& label, VgMeta vg, std::uint64_t size_bytes) {
  PvOnDisk pv;
  pv.pv_uuid = label.pv_uuid;
  pv.device_size_bytes = label.device_size_bytes;
  pv.pe_start_bytes = label.data_areas.front().offset_bytes;
  pv.metadata_area_count = static_cast<std::uint32_t>(label.metadata_areas.size());
  const auto it = std::find_if(vg.pvs.begin(), vg.pvs.end(),
                               [&](const PvMeta& meta) { return meta.id == label.pv_uuid; });
  if (it == vg.pvs.end()) {
    Fail() << "VG " << vg.name << ": its metadata does not list this PV (" << label.pv_uuid << ")";
  }
  pv.this_pv = it->name;
  // Compared, multiplied and summed so that nothing wraps: every byte range
  // handed out below lies inside the PV.
  if (pv.pe_start_bytes % kSectorBytes != 0 ||
      it->pe_start_sectors != pv.pe_start_bytes / kSectorBytes) {
    Fail() << "VG " << vg.name << ": pe_start of " << it->name << " is " << it->pe_start_sectors
           << " sectors, but the PV label's data area starts at byte " << pv.pe_start_bytes;
  }
  pv.vg = std::move(vg);
  const std::uint64_t extent_sectors = pv.vg.extent_size_sectors;
  const std::uint64_t pe_count = pv.pe_count();
  if (extent_sectors > UINT64_MAX / kSectorBytes ||
      (pe_count != 0 && pv.extent_size_bytes() > (UINT64_MAX - pv.pe_start_bytes) / pe_count)) {
    Fail() << "VG " << pv.vg.name << ": the extents of " << pv.this_pv << " (" << pe_count
           << " of " << extent_sectors << " sectors) end beyond any byte offset";
  }
  const std::uint64_t extents_end = pv.pe_start_bytes + pe_count * pv.extent_size_bytes();
  if (extents_end > size_bytes) {
    Fail() << "VG " << pv.vg.name << ": the extents of " << pv.this_pv << " end at byte "
           << extents_end << ", beyond the PV's " << size_bytes << " bytes";
  }
  check_areas_on_pv(pv);
  return pv;
}

PvOnDisk read_pv(const ReadAt& read, std::uint64_t size_bytes) {
  const PvLabel label = read_pv_label(read, size_bytes);
  if (label.metadata_areas.empty()) {
    Fail() << "PV " << label.pv_uuid
           << " has no metadata area (pvcreate --metadatacopies 0): its VG metadata is only on "
              "other PVs";
  }
  std::optional<VgMeta> newest;
  for (const DiskArea& area : label.metadata_areas) {
    const std::optional<MetadataText> text = read_metadata_area(read, size_bytes, area);
    if (!text) continue;
    VgMeta vg;
    try {
      vg = parse_vg_metadata(text->text);
    } catch (const Error& e) {
      Fail() << "LVM metadata area at byte " << area.offset_bytes << ": " << e.what();
    }
    if (!newest || vg.seqno > newest->seqno) newest = std::move(vg);
  }
  if (!newest) {
    Fail() << "PV " << label.pv_uuid
           << " is in no volume group: its metadata areas hold no metadata (or are ignored)";
  }
  return pv_on_disk(label, std::move(*newest), size_bytes);
}

std::uint64_t allocated_end_bytes(const PvOnDisk& pv) {
  std::uint64_t end_extent = 0;
  for (const LvMeta& lv : pv.vg.lvs) {
    for (const LvSegment& segment : lv.segments) {
      for (const SegmentArea& area : segment.areas) {
        if (area.name != pv.this_pv) continue;
        end_extent = std::max(end_extent, area.first_extent + extents_per_area(segment));
      }
    }
  }
  return pv.pe_start_bytes + end_extent * pv.extent_size_bytes();
}

std::vector<LvOnPv> lvs_on_pv(const PvOnDisk& pv) {
  std::vector<LvOnPv> out;
  for (const LvMeta& lv : pv.vg.lvs) {
    LvOnPv entry{
        pv.vg.name, lv.name, lv_extents(lv) * pv.extent_size_bytes(), {}, skip_reason(pv, lv)};
    if (entry.skip_reason.empty()) entry.ranges = lv_ranges(pv, lv);
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(), [](const LvOnPv& a, const LvOnPv& b) { return a.lv < b.lv; });
  return out;
}

}  // namespace pv2luks
