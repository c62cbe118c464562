// Reading the live tables of an LVM-on-LUKS stack back into values: an LV's
// linear targets and the crypt device's crypt target, as the kernel prints
// them. Pure: no I/O. The crypt target's key field is never kept: a table
// read back from the kernel holds either a keyring reference or key bytes,
// and flatten takes its key from the caller (flatten_plan.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dm/dm_device.h"
#include "dm/dm_table.h"

namespace pv2luks {

// A crypt target as read back, without its key.
struct CryptLayerTarget {
  std::uint64_t start_sectors = 0;
  std::uint64_t length_sectors = 0;
  CryptSpec spec;  // spec.key left empty
  std::uint64_t iv_offset_sectors = 0;
  std::string device;
  std::uint64_t offset_sectors = 0;
};

// A linear target as read back.
struct LinearLayerTarget {
  std::uint64_t start_sectors = 0;
  std::uint64_t length_sectors = 0;
  std::string device;
  std::uint64_t offset_sectors = 0;
};

// The crypt target in `target`, or nullopt with `problem` set when it is not
// a crypt target this project can map (authenticated, integrity, malformed).
std::optional<CryptLayerTarget> parse_crypt_target(const dm::KernelTarget& target,
                                                   std::string& problem);

// The linear target in `target`, or nullopt with `problem` set.
std::optional<LinearLayerTarget> parse_linear_target(const dm::KernelTarget& target,
                                                     std::string& problem);

// The VG of an LV's dm name: LVM names it "VG-LV" with every '-' inside VG
// and LV doubled ("my--vg-root" is VG "my-vg"). "" when the name has no
// single '-'.
std::string vg_of_dm_name(const std::string& dm_name);

}  // namespace pv2luks
