// What `pv2luks status` says about a stack's flattening, from what was read
// (LVs' tables, the guard device, the VG tag). Pure: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pv2luks {

struct FlattenState {
  std::string vg;            // "" when no LV is mapped
  std::string crypt;         // the crypt device's dm name
  bool crypt_open = true;
  std::string luks_device;   // /dev/vdb
  std::vector<std::string> layered_lvs;    // linear onto the crypt device
  std::vector<std::string> flattened_lvs;  // crypt targets straight on the disk
  bool guard = false;        // pv2luks-flat-CRYPT exists
  bool tagged = false;       // the VG carries pv2luks_flattened
};

// The lines to print: the first says "layered", "FLATTENED", "PARTLY
// FLATTENED" or "closed while flattened"; the others what that means and
// what to run.
std::vector<std::string> describe_flatten_state(const FlattenState& state);

}  // namespace pv2luks
