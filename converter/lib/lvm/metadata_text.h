// A volume group from LVM2's text metadata: the text of a metadata area or of
// a `vgcfgbackup` file. Pure. Only what locating LV data needs is kept: the
// PVs' geometry and each LV's segments with the extents they map; unknown
// keys are ignored. Sizes are in LVM's 512-byte sectors, as the text has them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pv2luks {

struct PvMeta {
  std::string name;  // "pv0", the name segments use
  std::string id;    // the PV UUID
  std::uint64_t dev_size_sectors = 0;
  std::uint64_t pe_start_sectors = 0;
  std::uint64_t pe_count = 0;
};

// One run of a segment: `name` is a PV ("pv0", first PE) or, for segments
// stacked on other LVs (pvmove, mirror images), an LV (first LE).
struct SegmentArea {
  std::string name;
  std::uint64_t first_extent = 0;
  bool operator==(const SegmentArea&) const = default;
};

struct LvSegment {
  std::uint64_t start_extent = 0;  // the first logical extent
  std::uint64_t extent_count = 0;
  std::string type;  // "striped" (linear when one stripe), "thin-pool", "raid1", ...
  std::uint64_t stripe_count = 0;
  std::uint64_t stripe_size_sectors = 0;  // 0 for one stripe
  // The "stripes" list of a striped segment, or the "mirrors" list of a
  // mirror or pvmove segment; empty for other types.
  std::vector<SegmentArea> areas;
  std::string name;  // its section's name ("segment1"), for messages
};

struct LvMeta {
  std::string name;
  std::vector<std::string> status;  // "READ", "WRITE", "VISIBLE", ...
  std::vector<LvSegment> segments;  // by start_extent; contiguous from 0
  bool visible() const;
};

struct VgMeta {
  std::string name;
  std::string id;
  std::uint64_t seqno = 0;
  std::uint64_t extent_size_sectors = 0;
  std::vector<PvMeta> pvs;
  std::vector<LvMeta> lvs;
  const PvMeta* find_pv(std::string_view name) const;
};

// The one volume group section of `text`. Malformed text, a missing field, a
// list of the wrong shape or segments that leave holes are an Error naming
// the line (for text LVM's parser refuses) or the path ("vg/lv/segment2: ...").
VgMeta parse_vg_metadata(std::string_view text);

}  // namespace pv2luks
