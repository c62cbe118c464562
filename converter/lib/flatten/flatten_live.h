// Flattening a live LVM-over-LUKS stack, and back (issue 6; DRAFT: not yet
// wired to the CLI nor proven in the lab). The tables come from
// flatten_plan.h; this file finds the devices, gets the volume key into the
// kernel keyring, and swaps each LV's table with load, suspend, resume.
#pragma once

#include <string>
#include <vector>

#include "flatten/flatten_plan.h"
#include "luks/secure_buffer.h"

namespace pv2luks {

// The crypt device `crypt_name` and the LVs mapped on it, as they are now.
struct LiveStack {
  CryptLayer crypt;
  std::vector<LvLayer> lvs;
  std::string luks_device;  // the crypt target's device node (/dev/vdb)
};

LiveStack read_live_stack(const std::string& crypt_name);

// Flattens every LV of `stack` with the volume key opened from the LUKS
// header by `passphrase`. Nothing is loaded unless every LV can be
// flattened. Returns the LVs flattened.
std::vector<std::string> flatten_stack(const LiveStack& stack, const SecureBuffer& passphrase);

// Maps every flattened LV of `stack` back onto the crypt device.
std::vector<std::string> unflatten_stack(const LiveStack& stack);

}  // namespace pv2luks
