#include "image/lvm_setup.h"

#include "common/error.h"
#include "common/process.h"

namespace harness {

const char kLvmHostConfig[] =
    "devices { obtain_device_list_from_udev = 0 external_device_info_source = \"none\" "
    "use_devicesfile = 0 } "
    "activation { udev_sync = 0 udev_rules = 0 verify_udev_operations = 0 monitoring = 0 } "
    "global { activation = 0 use_lvmlockd = 0 } "
    "backup { backup = 0 archive = 0 }";

std::string lvm(const std::string& device, const std::string& tool,
                const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"env", "LVM_SUPPRESS_FD_WARNINGS=1", tool, "--devices", device,
                                   "--config", kLvmHostConfig};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_checked(argv);
}

namespace {

std::string sectors(std::uint64_t bytes) { return std::to_string(bytes / kSectorBytes) + "s"; }

std::string spacer_name(int index) { return kSpacerPrefix + std::to_string(index); }

// Creates one LV; a multi-segment LV gets a spacer LV after each run but the last.
void create_lv(const std::string& device, const std::string& vg, const LvSpec& lv,
               std::uint64_t extent_bytes, std::vector<std::string>& spacers) {
  const auto runs = segment_extents(lv.size_bytes / extent_bytes, lv.segments);
  lvm(device, "lvcreate", {"-y", "-Wn", "-Zn", "-n", lv.name, "-l", std::to_string(runs[0]), vg});
  for (std::size_t i = 1; i < runs.size(); ++i) {
    spacers.push_back(spacer_name(static_cast<int>(spacers.size())));
    lvm(device, "lvcreate", {"-y", "-Wn", "-Zn", "-n", spacers.back(), "-l", "1", vg});
    lvm(device, "lvextend", {"-l", "+" + std::to_string(runs[i]), vg + "/" + lv.name});
  }
}

void check_against_plan(const LvmLayout& layout, const PvPlacement& pv) {
  if (layout.pv.pe_start_bytes != pv.pe_start_bytes || layout.pv.pe_count != pv.pe_count ||
      layout.segments.extent_size_bytes != pv.extent_size_bytes) {
    Fail() << "LVM placed the PV differently than planned: pe_start "
           << layout.pv.pe_start_bytes << " (planned " << pv.pe_start_bytes << "), pe_count "
           << layout.pv.pe_count << " (planned " << pv.pe_count << ")";
  }
  for (const LvSegment& segment : layout.segments.segments) {
    if (segment.pv_name != layout.pv.pv_name) {
      Fail() << "LVM put LV " << segment.lv_name << " on " << segment.pv_name << ", not on "
             << layout.pv.pv_name;
    }
  }
}

}  // namespace

LvmLayout create_lvm_layout(const std::string& device, const LayoutSpec& spec,
                            const PvPlacement& pv) {
  const std::string& vg = spec.pv.vg;
  lvm(device, "pvcreate", {"-y", "--dataalignment", sectors(pv.pe_start_bytes),
                           "--setphysicalvolumesize", sectors(pv.pv_size_bytes), device});
  lvm(device, "vgcreate", {"-y", "-s", sectors(pv.extent_size_bytes), vg, device});
  std::vector<std::string> spacers;
  for (const LvSpec& lv : spec.lvs) create_lv(device, vg, lv, pv.extent_size_bytes, spacers);
  for (const std::string& spacer : spacers) lvm(device, "lvremove", {"-y", vg + "/" + spacer});
  LvmLayout layout = read_lvm_layout(device, vg);
  if (spec.lvs.empty()) layout.segments.extent_size_bytes = pv.extent_size_bytes;
  check_against_plan(layout, pv);
  return layout;
}

LvmLayout read_lvm_layout(const std::string& device, const std::string& vg) {
  LvmLayout layout;
  layout.segments = parse_segment_report(
      lvm(device, "lvs", {"--reportformat", "json", "--units", "b", "--nosuffix", "-o",
                          "lv_name,seg_start_pe,seg_size_pe,seg_pe_ranges,vg_extent_size", vg}));
  const auto pvs = parse_pv_report(lvm(device, "pvs",
                                       {"--reportformat", "json", "--units", "b", "--nosuffix",
                                        "-o", "pv_name,pe_start,pv_pe_count", device}));
  if (pvs.size() != 1) Fail() << device << ": pvs reported " << pvs.size() << " PVs, not 1";
  layout.pv = pvs.front();
  return layout;
}

}  // namespace harness
