// Puts the intermediate device under the LVs: every dm device that maps onto
// the PV gets the same table with the PV's major:minor replaced by the
// intermediate device's. Only targets on the PV change, so LVs spanning other
// PVs keep their other segments as they are.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "dm/dm_device.h"

namespace pv2luks {

// "MAJ:MIN"
std::string dev_text(dev_t dev);

// The table with every whole-word `from` device replaced by `to`.
std::vector<dm::KernelTarget> retarget(const std::vector<dm::KernelTarget>& table,
                                       const std::string& from, const std::string& to);

// Reloads each holder with the PV replaced by `to`: load, suspend, resume,
// one holder at a time. Returns the holders remapped.
std::vector<std::string> remap_holders(const std::vector<std::string>& holders, dev_t from,
                                       dev_t to);

}  // namespace pv2luks
