// Flattening a live LVM-over-LUKS stack, and back (issue 6). The tables come
// from flatten_plan.h; this file finds the devices, gets the volume key into
// the kernel keyring, and swaps each LV's table with load, suspend, resume.
#pragma once

#include <string>
#include <vector>

#include "flatten/flatten_plan.h"
#include "base/secure_buffer.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

// Whether `lv`'s table is crypt targets straight on the disk.
bool is_flattened(const LvLayer& lv);

// Whether `lv`'s table is crypt targets straight on the disk.
bool is_flattened(const LvLayer& lv);

// A dm-crypt device, the LVs mapped on it or (flattened) straight on its
// disk, as they are now. While flattened, the crypt device may have been
// closed: then crypt.table is empty and crypt.name is what the caller named.
struct LiveStack {
  CryptLayer crypt;
  std::vector<LvLayer> lvs;     // the VG's LV devices (dm UUID "LVM-..."), by name
  std::string vg;               // from the LVs' dm names; "" when there are none
  std::string disk_number;      // the LUKS device, "MAJ:MIN"
  std::string luks_device;      // and its node, /dev/vdb
  bool crypt_open() const { return !crypt.table.empty(); }
};

// Every stack on this machine: each open single-target crypt device with the
// LVs on it or on its disk, and each disk whose flattened LVs lost their
// crypt device (named "" then).
std::vector<LiveStack> scan_stacks();

// The stack `target` names: a VG, the crypt device's dm name, or "" for the
// only stack with a VG there is. When the crypt device was closed while flattened, its
// name must be given; the stack is the one disk with flattened LVs and no
// crypt device. Error, saying what there is, when none or several match.
LiveStack find_stack(const std::string& target);

// Loads `plan`'s tables, LV by LV (load, suspend, resume): each swap maps the
// same bytes, so the stack is consistent between any two. The caller holds
// the VG's lock (lvm/vg_lock.h) and planned from tables read under it.
// The process's memory is locked first (base/memory_lock.h), so no page
// fault waits on a suspended LV: an Error, nothing loaded, unless `policy`
// allows it (pv2luks.h, ProcessPolicy). With policy.defer_signals, SIGINT,
// SIGTERM and SIGHUP wait until the swaps are done.
// Error when the plan has problems (nothing loaded) or a swap failed (the LV
// resumed on whichever table it has; the message names the LVs swapped).
std::vector<std::string> swap_tables(const LayerPlan& plan, const ProcessPolicy& policy);

}  // namespace pv2luks
