// Thin pools that dmeventd monitors. With thin_pool_autoextend_threshold
// below 100, dmeventd extends such a pool on its own (lvextend
// --use-policies): LVM then reloads the pool's sub-LVs onto the PV as LVM
// sees it (the partition, not pv2luks's intermediate device) and writes the
// VG's metadata, around a live conversion, onto extents it may already
// have moved. So a live conversion refuses a VG with a monitored pool and
// says how to turn the monitoring off for its duration.
#pragma once

#include <string>
#include <vector>

namespace pv2luks {

// "VG/LV" of each thin pool (lv_attr t) that is "monitored" or "pending" in
// `lvs --reportformat json -o kThinMonitorFields VG`'s report. An Error when
// the report is malformed.
std::vector<std::string> monitored_thin_pools(const std::string& vg, const std::string& json);
extern const char kThinMonitorFields[];

// Runs that lvs on `vg` when dmeventd runs (none when it does not: nothing
// is monitored then, and the query would start it).
std::vector<std::string> read_monitored_thin_pools(const std::string& vg);

// The same for the VG of the PV whose UUID is `pv_uuid` (a resume knows the
// PV from its journal): none when dmeventd does not run or no PV has it.
std::vector<std::string> read_monitored_thin_pools_of_pv(const std::string& pv_uuid);

// The refusal's words for a monitored pool "VG/LV": why, and the way on.
std::string monitored_pool_refusal(const std::string& pool);

}  // namespace pv2luks
