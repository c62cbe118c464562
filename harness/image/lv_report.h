// LVM's JSON reports (`--reportformat json --units b --nosuffix`), parsed into
// plain values, and LV segments turned into byte ranges of the disk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image/geometry.h"

namespace harness {

// One row of
//   lvs -o lv_name,seg_start_pe,seg_size_pe,seg_pe_ranges,vg_extent_size
// A linear segment on one PV: logical extents [le_start, le_start + le_count)
// lie on physical extents [pe_first, pe_first + le_count) of pv_name.
struct LvSegment {
  std::string lv_name;
  std::uint64_t le_start = 0;
  std::uint64_t le_count = 0;
  std::string pv_name;
  std::uint64_t pe_first = 0;
  bool operator==(const LvSegment&) const = default;
};

struct SegmentReport {
  std::uint64_t extent_size_bytes = 0;
  std::vector<LvSegment> segments;
};

// One row of `pvs -o pv_name,pe_start,pv_pe_count`.
struct PvReport {
  std::string pv_name;
  std::uint64_t pe_start_bytes = 0;
  std::uint64_t pe_count = 0;
};

// One row of `lvs -o lv_name,lv_path,lv_size`.
struct LvEntry {
  std::string name;
  std::string path;
  std::uint64_t size_bytes = 0;
};

// Each throws Error naming the field when the report is not what was asked for
// (a striped segment, a missing field, a number that is not one).
SegmentReport parse_segment_report(const std::string& json);
std::vector<PvReport> parse_pv_report(const std::string& json);
std::vector<LvEntry> parse_lv_list(const std::string& json);

// "/dev/loop0:0-15" -> pv_name and first PE, checked against the segment size.
void parse_pe_range(const std::string& text, std::uint64_t le_count, LvSegment& segment);

// Distinct LV names of a segment report, sorted.
std::vector<std::string> segment_lv_names(const SegmentReport& report);

// The byte ranges of the disk holding `lv_name`, in logical order, for a PV
// whose first extent is pe_start_bytes after area_start_bytes.
std::vector<ByteRange> lv_byte_ranges(const SegmentReport& report, const std::string& lv_name,
                                      std::uint64_t area_start_bytes,
                                      std::uint64_t pe_start_bytes);

}  // namespace harness
