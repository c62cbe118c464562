// The dm tables of a live conversion, step by step. Pure: a Plan and device
// names in, DmTable values out; loading them is the dm module's job.
//
// While chunk k = [start, end) moves, the intermediate device is
//
//   [0, start)     linear  device at 0                plaintext, not moved yet
//   [start, end)   mirror  leg 0: device at start     plaintext, the source
//                          leg 1: crypt_full at start ciphertext, the copy
//   [end, move)    crypt   device at D + end, IV end  ciphertext, moved
//
// (D = data_offset_sectors; empty ranges are left out), and crypt_full is a
// dm-crypt device over the whole shifted space: its sector s is device sector
// D + s with IV s. So every sector of the intermediate device is where the
// finished LUKS volume, or the untouched PV, has it, and writes to the chunk in
// flight land in both places. Load a step's table while the intermediate device
// is suspended, or writes can bypass the mirror (seen in the lab guest).
#pragma once

#include <cstdint>
#include <string>

#include "dm/dm_table.h"
#include "plan/plan.h"

namespace pv2luks {

// What the tables name: devices as "/dev/vdb" or "253:3", and the new volume's
// cipher and key.
struct PlanDevices {
  std::string device;      // the PV's partition or disk
  std::string crypt_full;  // the dm-crypt device over the whole shifted space
  CryptSpec crypt;
};

// All of these need plan.ok() and throw std::logic_error (a caller's bug)
// without it; the ones taking k throw std::out_of_range for k >= chunk_count().

// crypt_full's table: the whole LUKS data area, [0, device - D) crypt onto the
// device at D, IV 0: the size `cryptsetup open` gives the finished volume.
DmTable crypt_full_table(const Plan& plan, const PlanDevices& devices);
// The intermediate device before the first step: all plaintext, [0, move) linear at 0.
DmTable initial_table(const Plan& plan, const PlanDevices& devices);
// The intermediate device while chunk k moves (the layout above).
DmTable table_for_step(const Plan& plan, std::uint64_t k, const PlanDevices& devices);
// The intermediate device once chunk k is in sync: its mirror range becomes crypt.
DmTable table_after(const Plan& plan, std::uint64_t k, const PlanDevices& devices);
// The intermediate device at the end: the same table as crypt_full's, so it now
// is the opened LUKS volume and crypt_full can go. It may be longer than the
// PV (the old tail room is inside the data area); LVM uses only the PV.
DmTable final_table(const Plan& plan, const PlanDevices& devices);

}  // namespace pv2luks
