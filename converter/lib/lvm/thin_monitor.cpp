#include "lvm/thin_monitor.h"

#include <signal.h>

#include <fstream>
#include <sstream>

#include <boost/property_tree/ptree.hpp>

#include "base/error.h"
#include "base/json.h"
#include "base/process.h"

namespace pv2luks {

const char kThinMonitorFields[] = "lv_name,lv_attr,seg_monitor";

std::vector<std::string> monitored_thin_pools(const std::string& vg, const std::string& json) {
  namespace pt = boost::property_tree;
  const pt::ptree root = parse_json(json, "lvs report");
  const auto reports = root.get_child_optional("report");
  if (!reports || reports->empty()) Fail() << "lvs report: no \"report\"";
  const auto rows = reports->front().second.get_child_optional("lv");
  if (!rows) Fail() << "lvs report: no \"lv\" list";
  std::vector<std::string> pools;
  for (const auto& [unused, row] : *rows) {
    const std::string attr = row.get<std::string>("lv_attr", "");
    const std::string monitor = row.get<std::string>("seg_monitor", "");
    if (attr.rfind('t', 0) == 0 && (monitor == "monitored" || monitor == "pending")) {
      pools.push_back(vg + "/" + row.get<std::string>("lv_name", ""));
    }
  }
  return pools;
}

namespace {

// Whether dmeventd runs (its pid file names a live dmeventd). When it does
// not, no pool is monitored, and asking lvs would start it.
bool dmeventd_running() {
  std::ifstream pid_file("/run/dmeventd.pid");
  long pid = 0;
  if (!(pid_file >> pid) || pid <= 0 || pid > 0x3fffffff) return false;
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  return std::getline(comm, name) && name == "dmeventd" && ::kill(static_cast<pid_t>(pid), 0) == 0;
}

}  // namespace

std::vector<std::string> read_monitored_thin_pools(const std::string& vg) {
  if (!dmeventd_running()) return {};
  // Monitoring on for the query only: with activation/monitoring = 0, lvs
  // reports no pool's state, even one that dmeventd does monitor.
  const ProcessResult result =
      run_process({"lvs", "--config", "activation/monitoring=1", "--reportformat", "json", "-o",
                   kThinMonitorFields, vg});
  if (result.exit_code != 0) {
    Fail() << "lvs " << vg << " failed (exit " << result.exit_code << "): " << result.err;
  }
  return monitored_thin_pools(vg, result.out);
}

std::vector<std::string> read_monitored_thin_pools_of_pv(const std::string& pv_uuid) {
  if (!dmeventd_running()) return {};
  // Half converted, the PV may show twice (the partition and the mapped
  // device): the same VG either way.
  const ProcessResult result = run_process(
      {"pvs", "--noheadings", "-o", "vg_name", "--select", "pv_uuid=" + pv_uuid});
  std::istringstream words(result.out);
  std::string vg;
  if (!(words >> vg)) return {};
  return read_monitored_thin_pools(vg);
}

std::string monitored_pool_refusal(const std::string& pool) {
  return "thin pool " + pool +
         " is monitored by dmeventd, which may extend it while the PV moves, writing around the "
         "conversion; run 'lvchange --monitor n " + pool +
         "' first (make sure the pool has room until the conversion ends), and 'lvchange "
         "--monitor y " + pool + "' after";
}

}  // namespace pv2luks
