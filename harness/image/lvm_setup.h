// The LVM part of an image build, on a loop device over the PV's area, with
// activation off (the host has no device-mapper) and no udev: pvcreate,
// vgcreate, lvcreate/lvextend (spacers for multi-segment LVs), then the
// reports that say where every LV's extents are.
#pragma once

#include <string>
#include <vector>

#include "image/geometry.h"
#include "image/layout_spec.h"
#include "image/lv_report.h"

namespace harness {

// LVM settings for a host without device-mapper and without udev.
extern const char kLvmHostConfig[];

// Runs LVM's `tool` seeing only `device`, with the host settings; its standard
// output. An error (with the tool's stderr) when it fails.
std::string lvm(const std::string& device, const std::string& tool,
                const std::vector<std::string>& args);

struct LvmLayout {
  SegmentReport segments;
  PvReport pv;
};

// Creates the PV, VG and LVs of `spec` on `device` and returns LVM's own report
// of them, checked against the planned geometry.
LvmLayout create_lvm_layout(const std::string& device, const LayoutSpec& spec,
                            const PvPlacement& pv);

// Reads the reports of an existing VG on `device`.
LvmLayout read_lvm_layout(const std::string& device, const std::string& vg);

}  // namespace harness
