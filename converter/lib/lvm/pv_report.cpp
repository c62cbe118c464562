#include "lvm/pv_report.h"

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

std::uint64_t number(const pt::ptree& row, const char* field) {
  const auto text = row.get_optional<std::string>(field);
  if (!text || text->empty()) Fail() << "pvs report: no " << field;
  try {
    std::size_t used = 0;
    const std::uint64_t value = std::stoull(*text, &used);
    if (used != text->size()) throw std::invalid_argument(*text);
    return value;
  } catch (const std::exception&) {
    Fail() << "pvs report: " << field << " '" << *text << "' is not a whole number";
  }
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
    Fail() << device << ": not an LVM physical volume (pvs: " << why << ")";
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
  for (const PvSegment& segment : report.segments) {
    const std::string& type = segment.segtype;
    const std::string lv = report.vg_name + "/" + segment.lv_name;
    const char role = segment.lv_attr.empty() ? '-' : segment.lv_attr[0];
    if (type == "pvmove" || role == 'p') {
      problems.push_back("a pvmove is in progress (" + lv + "); let it finish or abort it first");
    } else if (type.rfind("thin", 0) == 0 || role == 't' || role == 'V') {
      problems.push_back(lv + " is a thin pool or thin volume (" + type + "), not supported");
    } else if (role == 's' || role == 'S' || role == 'o' || type == "snapshot") {
      problems.push_back(lv + " is a snapshot or snapshot origin, not supported");
    } else if (type.rfind("raid", 0) == 0 || type == "mirror" || role == 'm' || role == 'r') {
      problems.push_back(lv + " is a raid or mirror LV (" + type + "), not supported");
    } else if (type != "linear" && type != "striped" && type != "free") {
      problems.push_back(lv + " has segment type " + type + ", not supported");
    }
  }
  return problems;
}

}  // namespace pv2luks
