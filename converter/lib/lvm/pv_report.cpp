#include "lvm/pv_report.h"

#include <algorithm>
#include <string_view>

#include <boost/property_tree/ptree.hpp>

#include "base/error.h"
#include "base/json.h"
#include "base/process.h"

namespace pt = boost::property_tree;

namespace pv2luks {

const char kPvReportFields[] =
    "pv_name,pv_uuid,vg_name,pe_start,pv_size,dev_size,pv_mda_count,pvseg_start,pvseg_size,"
    "lv_name,segtype,lv_attr";

namespace {

// Digits only: std::stoull alone would also take "-1" (as 2^64 - 1) and
// leading blanks.
std::uint64_t number(const pt::ptree& row, const char* field) {
  const auto text = row.get_optional<std::string>(field);
  if (!text || text->empty()) Fail() << "pvs report: no " << field;
  try {
    if (text->find_first_not_of("0123456789") != std::string::npos) {
      throw std::invalid_argument(*text);
    }
    return std::stoull(*text);
  } catch (const std::exception&) {
    Fail() << "pvs report: " << field << " '" << *text << "' is not a whole number";
  }
}

// Why one used segment forbids the conversion (`why` empty when it does not).
// `vague` reasons do not name the LV's kind; the others are said first.
struct SegmentRefusal {
  std::string why;
  bool vague = false;
};

// Sub-LVs carry the kind: raid and mirror images, thin pool data, pool and
// raid metadata all show segtype "linear" in `pvs --segments`, so the segment
// type alone lets them through. lv_attr tells them apart. Its first character
// is the volume type (lvs(8): p pvmove; t, T, V thin pool, its data, thin
// volume; o, O origin; s, S snapshot; r, R raid; m, M mirror; i, I raid or
// mirror image; l mirror log; e raid or pool metadata, or the pool metadata
// spare; - a plain LV), its seventh the target type (C cache, m mirror,
// r raid, s snapshot, t thin).
//
// A thin pool's extents on the PV are its data and metadata sub-LVs (and
// the metadata spare), linear or striped like any plain LV, and they are
// remapped the same way: the pool and its thin volumes sit above them and
// hold no extent here (tests/lab/test_convert_thin.py).
SegmentRefusal segment_refusal(const std::string& vg, const PvSegment& segment) {
  const std::string& type = segment.segtype;
  const std::string& attr = segment.lv_attr;
  const char volume = attr.empty() ? '-' : attr[0];
  const char target = attr.size() > 6 ? attr[6] : '-';
  const auto one_of = [](char c, std::string_view set) { return set.find(c) != set.npos; };
  const std::string lv = vg + "/" + segment.lv_name;
  if (volume == 'p' || type == "pvmove") {
    return {"a pvmove is in progress (" + lv +
            "); let it finish (pvmove) or abort it (pvmove --abort) first"};
  }
  if (volume == 'C' || target == 'C' || type == "cache" || type == "writecache") {
    return {lv + " belongs to a cached LV; cache and writecache are not supported"};
  }
  if (one_of(volume, "oOsS") || target == 's' || type == "snapshot") {
    return {lv + " is a snapshot or a snapshot's origin; snapshots are not supported"};
  }
  if (one_of(volume, "rR") || target == 'r' || type.rfind("raid", 0) == 0) {
    return {lv + " belongs to a raid LV; raid LVs are not supported"};
  }
  if (one_of(volume, "mMl") || target == 'm' || type == "mirror") {
    return {lv + " belongs to a mirror LV; mirror LVs are not supported"};
  }
  // Raid metadata (e) was caught above by its target type; of the pool
  // metadata, a cache pool's (NAME_cmeta) is refused with its cache.
  const auto ends_with = [&](std::string_view end) {
    return lv.size() >= end.size() && lv.compare(lv.size() - end.size(), end.size(), end) == 0;
  };
  if (volume == 'e' && !ends_with("_tmeta]") && !ends_with("_pmspare]")) {
    return {lv + " is pool metadata of a kind pv2luks does not convert (a cache pool's?)", true};
  }
  if (!one_of(volume, "-tTVe")) {
    return {lv + " is not a plain LV (lv_attr " + attr + "); pv2luks does not support its kind",
            true};
  }
  if (type != "linear" && type != "striped") {
    return {lv + " has segment type " + type + ", not supported", true};
  }
  return {};
}

}  // namespace

PvReport parse_pv_report(const std::string& json) {
  const pt::ptree root = parse_json(json, "pvs report");
  const auto reports = root.get_child_optional("report");
  if (!reports || reports->empty()) Fail() << "pvs report: no \"report\"";
  const auto rows = reports->front().second.get_child_optional("pvseg");
  if (!rows || rows->empty()) Fail() << "pvs report: no PV segments";
  PvReport report;
  const pt::ptree& first = rows->front().second;
  report.pv_name = first.get<std::string>("pv_name", "");
  report.pv_uuid = first.get<std::string>("pv_uuid", "");
  report.vg_name = first.get<std::string>("vg_name", "");
  report.pe_start_sectors = number(first, "pe_start");
  report.pv_size_sectors = number(first, "pv_size");
  report.dev_size_sectors = number(first, "dev_size");
  if (report.pv_size_sectors > UINT64_MAX - report.pe_start_sectors) {
    Fail() << "pvs report: pe_start " << report.pe_start_sectors << " and pv_size "
           << report.pv_size_sectors << " add up past any sector number";
  }
  report.mda_count = static_cast<std::uint32_t>(number(first, "pv_mda_count"));
  for (const auto& [unused, row] : *rows) {
    report.segments.push_back({number(row, "pvseg_start"), number(row, "pvseg_size"),
                               row.get<std::string>("lv_name", ""),
                               row.get<std::string>("segtype", ""),
                               row.get<std::string>("lv_attr", "")});
  }
  return report;
}

PvReport read_pv_report(const std::string& device) {
  const ProcessResult result =
      run_process({"pvs", "--reportformat", "json", "--units", "s", "--nosuffix", "--segments",
                   "-o", kPvReportFields, device});
  if (result.exit_code != 0) {
    std::string why = result.err;
    while (!why.empty() && why.back() == '\n') why.pop_back();
    Fail(RefuseReason::kWrongDevice)
        << device << ": not an LVM physical volume (pvs: " << why << ")";
  }
  return parse_pv_report(result.out);
}

std::vector<std::string> pv_refusals(const PvReport& report) {
  std::vector<std::string> problems;
  if (report.vg_name.empty()) {
    problems.push_back("the PV belongs to no volume group; there is nothing to keep live");
  }
  if (report.mda_count > 1) {
    problems.push_back("the PV has " + std::to_string(report.mda_count) +
                       " metadata areas; one sits at its end, where the data would move");
  }
  std::vector<std::string> vaguer;  // said after the ones that name the LV's kind
  for (const PvSegment& segment : report.segments) {
    if (segment.segtype == "free") continue;
    const SegmentRefusal refusal = segment_refusal(report.vg_name, segment);
    if (refusal.why.empty()) continue;
    std::vector<std::string>& list = refusal.vague ? vaguer : problems;
    // An LV with several segments on the PV is named once.
    if (std::find(list.begin(), list.end(), refusal.why) == list.end()) list.push_back(refusal.why);
  }
  problems.insert(problems.end(), vaguer.begin(), vaguer.end());
  return problems;
}

}  // namespace pv2luks
