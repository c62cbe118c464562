// The move and the finish, shared by convert and resume: chunk by chunk from
// where the journal says the move stands, each chunk committed to the journal
// once it is durable, then the header at the front.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

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
  std::vector<std::uint8_t> header;   // the whole LUKS header, for the front
  JournalArea* journal = nullptr;
  JournalRecord record;  // the newest durable record
};

enum class MoveOutcome {
  kFinished,  // the device is a LUKS volume and the journal is wiped
  kStopped,   // stop() asked; the chunk in flight was committed first
};

// Moves chunks state.record.chunks_done.. and finishes. The intermediate
// device must hold table_after(chunks_done - 1) (initial_table when 0) or any
// table that maps the moved part as crypt and the rest as plaintext or mirror.
// stop() is asked between chunks.
MoveOutcome move_and_finish(MoveState& state, const ProgressFn& progress,
                            const std::function<bool()>& stop);

// With PV2LUKS_TEST_POINTS set, prints "pv2luks: test point: NAME" on
// stderr, so the lab can cut the power on that line. Points: staged,
// chunk-mirror K, chunk-done K, moved, header-torn, committed-early K.
void test_point(const std::string& name);

// Writes the next record with `phase` and `chunks_done`, durably.
void commit(MoveState& state, JournalPhase phase, std::uint64_t chunks_done);

// Loads `table` into dm device `name` and swaps it in (suspend, resume).
void load_and_swap(const std::string& name, const DmTable& table);

// Writes the whole header at the front of `device` with O_SYNC and fsync.
void write_header(const std::vector<std::uint8_t>& header, const std::string& device);

}  // namespace pv2luks
