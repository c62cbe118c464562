// What LVM says about one PV: its geometry and which LVs use it, from the
// lvm tools' JSON reports (`pvs --segments`). Sizes in 512-byte sectors, as
// LVM reports them with `--units s`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pv2luks {

struct PvSegment {
  std::uint64_t start_extents = 0;
  std::uint64_t size_extents = 0;
  std::string lv_name;  // "" for free space
  std::string segtype;  // linear, striped, free, thin-pool, raid1, mirror, pvmove, ...
  std::string lv_attr;  // lvs' attribute string
};

struct PvReport {
  std::string pv_name;
  std::string pv_uuid;
  std::string vg_name;
  std::uint64_t pe_start_sectors = 0;
  std::uint64_t pv_size_sectors = 0;   // the extents' area, after pe_start
  std::uint64_t dev_size_sectors = 0;  // the partition or disk
  // The size LVM's VG metadata records for the PV (its "dev_size": the
  // device's size at pvcreate, or what pvresize --setphysicalvolumesize
  // made it), which pvs does not report. LVM warns when a PV's device is
  // smaller ("Device ... has size of N sectors which is smaller than
  // corresponding PV size"), so the LUKS data area must hold this much.
  // 0: not known.
  std::uint64_t recorded_size_sectors = 0;
  std::uint32_t mda_count = 0;
  std::vector<PvSegment> segments;

  // What the conversion moves: LVM's label, metadata and every extent.
  std::uint64_t used_sectors() const { return pe_start_sectors + pv_size_sectors; }
  std::uint64_t tail_room_sectors() const {
    return dev_size_sectors > used_sectors() ? dev_size_sectors - used_sectors() : 0;
  }
};

// Parses `pvs --reportformat json --units s --nosuffix --segments -o ...` output
// (the fields of kPvReportFields). An Error names what is missing.
PvReport parse_pv_report(const std::string& json);

// The -o list parse_pv_report expects.
extern const char kPvReportFields[];

// Runs pvs on DEVICE. "not a PV" is an Error that says so.
PvReport read_pv_report(const std::string& device);

// Why LVM's state forbids converting this PV now ("" when nothing does):
// pvmove in progress, thin pools, snapshots, raid or mirror LVs, a metadata
// area at the PV's end.
std::vector<std::string> pv_refusals(const PvReport& report);

}  // namespace pv2luks
