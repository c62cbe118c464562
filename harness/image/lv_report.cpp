#include "image/lv_report.h"

#include <algorithm>
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <set>
#include <sstream>

#include "common/error.h"
#include "base/json.h"
#include "image/spec_fields.h"

namespace harness {

namespace {

namespace pt = boost::property_tree;

// The rows of report[0].<kind> (LVM prints one report object per command).
std::vector<pt::ptree> report_rows(const std::string& json, const char* kind) {
  const pt::ptree root = pv2luks::parse_json(json, "LVM report");
  std::vector<pt::ptree> rows;
  const auto reports = root.get_child_optional("report");
  if (!reports) Fail() << "LVM report: no \"report\" in the JSON";
  for (const auto& [unused, report] : *reports) {
    const auto kind_rows = report.get_child_optional(kind);
    if (!kind_rows) continue;
    for (const auto& [key, row] : *kind_rows) rows.push_back(row);
  }
  return rows;
}

std::string field(const pt::ptree& row, const char* name) {
  const auto value = row.get_optional<std::string>(name);
  if (!value) Fail() << "LVM report: a row has no field " << name;
  return *value;
}

std::uint64_t number(const pt::ptree& row, const char* name) {
  const std::string text = field(row, name);
  const auto value = parse_count(text);
  if (!value) Fail() << "LVM report: field " << name << " is '" << text << "', not a number";
  return *value;
}

}  // namespace

void parse_pe_range(const std::string& text, std::uint64_t le_count, LvSegment& segment) {
  const auto colon = text.rfind(':');
  const auto dash = text.rfind('-');
  if (text.find(' ') != std::string::npos || colon == std::string::npos ||
      dash == std::string::npos || dash < colon) {
    Fail() << "LVM report: seg_pe_ranges '" << text
           << "' is not one linear range PV:FIRST-LAST (striped or virtual segments are not "
              "supported)";
  }
  const auto first = parse_count(text.substr(colon + 1, dash - colon - 1));
  const auto last = parse_count(text.substr(dash + 1));
  if (!first || !last || *last < *first || *last - *first + 1 != le_count) {
    Fail() << "LVM report: seg_pe_ranges '" << text << "' does not match seg_size_pe " << le_count;
  }
  segment.pv_name = text.substr(0, colon);
  segment.pe_first = *first;
}

SegmentReport parse_segment_report(const std::string& json) {
  SegmentReport report;
  for (const pt::ptree& row : report_rows(json, "lv")) {
    LvSegment segment;
    segment.lv_name = field(row, "lv_name");
    segment.le_start = number(row, "seg_start_pe");
    segment.le_count = number(row, "seg_size_pe");
    parse_pe_range(field(row, "seg_pe_ranges"), segment.le_count, segment);
    report.extent_size_bytes = number(row, "vg_extent_size");
    report.segments.push_back(segment);
  }
  return report;
}

std::vector<PvReport> parse_pv_report(const std::string& json) {
  std::vector<PvReport> pvs;
  for (const pt::ptree& row : report_rows(json, "pv")) {
    pvs.push_back({field(row, "pv_name"), number(row, "pe_start"), number(row, "pv_pe_count")});
  }
  return pvs;
}

std::vector<LvEntry> parse_lv_list(const std::string& json) {
  std::vector<LvEntry> lvs;
  for (const pt::ptree& row : report_rows(json, "lv")) {
    lvs.push_back({field(row, "lv_name"), field(row, "lv_path"), number(row, "lv_size")});
  }
  return lvs;
}

std::vector<std::string> segment_lv_names(const SegmentReport& report) {
  std::set<std::string> names;
  for (const LvSegment& segment : report.segments) names.insert(segment.lv_name);
  return {names.begin(), names.end()};
}

std::vector<ByteRange> lv_byte_ranges(const SegmentReport& report, const std::string& lv_name,
                                      std::uint64_t area_start_bytes,
                                      std::uint64_t pe_start_bytes) {
  std::vector<LvSegment> segments;
  for (const LvSegment& segment : report.segments) {
    if (segment.lv_name == lv_name) segments.push_back(segment);
  }
  std::sort(segments.begin(), segments.end(),
            [](const LvSegment& a, const LvSegment& b) { return a.le_start < b.le_start; });
  std::vector<ByteRange> ranges;
  for (const LvSegment& segment : segments) {
    const std::uint64_t offset =
        area_start_bytes + pe_start_bytes + segment.pe_first * report.extent_size_bytes;
    ranges.push_back({offset, segment.le_count * report.extent_size_bytes});
  }
  return ranges;
}

}  // namespace harness
