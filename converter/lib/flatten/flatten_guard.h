// The record that a VG is flattened, kept exactly while it is:
//   - in the kernel, the dm device "pv2luks-flat-CRYPT" (dm UUID
//     "PV2LUKS-FLAT-CRYPT"): one encryption sector mapped onto the crypt
//     device's last one. It holds the crypt device open, so `cryptsetup close` refuses
//     while the LVs bypass it (LVM must keep seeing its PV there), and
//     `dmsetup ls` shows the state;
//   - on disk, the VG tag "pv2luks_flattened" (`vgs -o tags`), which a reboot
//     keeps although the flattening itself (tables in the kernel) is gone.
// Flatten makes the guard, then sets the tag, then swaps tables; unflatten
// swaps back, then drops the guard and the tag, so both are there whenever
// anything is flattened.
#pragma once

#include <string>

#include "flatten/flatten_plan.h"

namespace pv2luks {

inline constexpr char kFlattenedTag[] = "pv2luks_flattened";

std::string guard_name(const std::string& crypt_name);
bool guard_exists(const std::string& crypt_name);
// Creates the guard on the open crypt device `crypt` (kept if it exists).
void create_guard(const CryptLayer& crypt);
void remove_guard(const std::string& crypt_name);

// Whether VG carries the tag (lvm's vgs); false when LVM cannot see the VG.
bool vg_tagged(const std::string& vg);
// Adds or deletes the tag (vgchange --addtag/--deltag: metadata only, no
// table is reloaded). Error quoting vgchange when it fails.
void tag_vg(const std::string& vg, bool tagged);

}  // namespace pv2luks
