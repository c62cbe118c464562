// Flattening LVM-over-LUKS into one device-mapper layer, and back, as pure
// table arithmetic: no I/O. The live tables come in as the kernel prints them
// (dm::table); the tables to load go out as DmTable values.
//
// Flatten. An LV segment "s L linear CRYPT_DEV o" reads the crypt device's
// sectors o..o+L, which the crypt target "0 N crypt C K iv DISK off" maps to
// the disk's sectors off+o.. with IVs from iv+o. So the segment becomes
//   s L crypt C K (iv + o) DISK (off + o)
// with the crypt device's cipher, key and options: the same bytes, one layer.
// With sector_size > 512 the IV offset stays in 512-byte units (dm-crypt
// shifts it with the sector for iv_large_sectors), and o and L must be whole
// encryption sectors.
//
// Unflatten is the inverse, and it checks each flattened segment against the
// crypt device it goes back onto: the disk, the cipher, the options and the
// IV offset must be exactly what flatten would have made. A segment whose IV
// offset is wrong would read as garbage; it is refused, never remapped.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "dm/dm_device.h"
#include "dm/dm_table.h"

namespace pv2luks {

// The dm-crypt device under the VG (the PV): its name, its device number as
// the LVs' tables name it ("253:0"), and its live table.
struct CryptLayer {
  std::string name;
  std::string device_number;
  std::vector<dm::KernelTarget> table;
};

// One LV's dm device and its live table.
struct LvLayer {
  std::string name;
  std::vector<dm::KernelTarget> table;
};

// The tables to load, LV by LV, or why not. Problems name the device and say
// what to do; nothing is to be loaded unless there are none.
struct LayerPlan {
  std::vector<std::pair<std::string, DmTable>> tables;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// The flattened table of every LV in `lvs`, each mapped straight onto the
// crypt device's disk with `key` (the volume key: a keyring reference or the
// bytes in locked memory).
LayerPlan plan_flatten(const CryptLayer& crypt, const std::vector<LvLayer>& lvs,
                       const KeyRef& key);

// The two-layer tables again: every LV in `lvs` (flattened, as the kernel
// prints them) mapped linearly onto the crypt device, whose table `crypt`
// holds (it must be open again first).
LayerPlan plan_unflatten(const CryptLayer& crypt, const std::vector<LvLayer>& lvs);

}  // namespace pv2luks
