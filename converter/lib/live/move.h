// The live mover, shared by convert and resume: the chunk loop
// (convert/chunk_loop.h) driven with a dm mirror for the copy and a flush of
// the disk's cache for durability, then the header at the front.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "convert/outcome.h"
#include "dm/dm_device.h"
#include "journal/area.h"
#include "journal/record.h"
#include "plan/plan.h"
#include "plan/step_tables.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

struct MoveState {
  std::string device;        // the PV's partition or disk
  std::string intermediate;  // dm name: the LVs' device, the LUKS mapping at the end
  std::string crypt_full;    // dm name: dm-crypt over the whole data area
  Plan plan;
  PlanDevices devices;                // crypt_full set to its major:minor
  JournalArea* journal = nullptr;
  JournalRecord record;  // the newest durable record
  std::uint64_t max_rate_bytes = 0;  // --max-rate, bytes/s (convert/pace.h); 0: no limit
};


// Moves chunks state.record.chunks_done.. and finishes. The intermediate
// device must hold table_after(chunks_done - 1) (initial_table when 0) or any
// table that maps the moved part as crypt and the rest as plaintext or mirror.
// stop() is asked between chunks. The header written at the front is the
// journal's staged copy.
MoveOutcome move_and_finish(MoveState& state, const ProgressFn& progress,
                            const std::function<bool()>& stop);

// Writes the next record with `phase` and `chunks_done`, durably.
void commit(MoveState& state, JournalPhase phase, std::uint64_t chunks_done);

// Loads `table` into dm device `name` and swaps it in (suspend, resume),
// the resume's uevent marked `udev`.
void load_and_swap(const std::string& name, const DmTable& table, dm::Udev udev);

// The dm UUID of crypt_full: temporary, so "CRYPT-TEMP-<name>", which LVM
// skips as it skips cryptsetup's own temporary devices. (The intermediate
// device becomes the LUKS device and carries cryptsetup_dm_uuid() from its
// creation on: a dm UUID cannot change.)
std::string crypt_full_uuid(const std::string& name);

}  // namespace pv2luks
