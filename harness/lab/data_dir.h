// Where pv2luks-harness finds the files it runs or copies at run time (its
// guest recipes in qemu/, debian-image.sh, initramfs-size.sh) and the pv2luks
// binary the guest runs. One rule, no source path compiled in: beside its own
// executable, ../share/pv2luks-harness. Installed that is
// /usr/share/pv2luks-harness; in a build tree BUILD/share/pv2luks-harness,
// links into the source that CMake makes (harness/CMakeLists.txt).
#pragma once

#include <string>

namespace harness {

// PV2LUKS_HARNESS_DATA when set, else ../share/pv2luks-harness next to
// /proc/self/exe. An Error (kExitLab) naming both when it is not there.
std::string harness_data_dir();

// The guest recipes: PV2LUKS_QEMU_DIR when set, else harness_data_dir()/qemu.
std::string qemu_recipe_dir();

// The pv2luks binary the guest runs: PV2LUKS_BIN when set; else the build
// tree's (BUILD/converter/pv2luks beside BUILD/harness/); else the same
// prefix's sbin/pv2luks or bin/pv2luks; else /usr/sbin/pv2luks. Empty when
// there is none (the guest then has only what the host's / has).
std::string pv2luks_binary();

}  // namespace harness
