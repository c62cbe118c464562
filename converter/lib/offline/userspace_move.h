// The offline mover: the same chunk schedule and journal as the live one
// (plan/plan.h, journal/), but the copy is done here, in userspace: read the
// chunk's plaintext, encrypt it with AES-XTS as dm-crypt would, write it
// data_offset further on, make it durable, commit.
//
// Pipelined: while chunk k is written, synced and committed, a second thread
// reads and encrypts chunk k + 1. That read is safe: chunk k's destination
// [data_offset + start_k, data_offset + end_k) lies at or after end_k,
// above chunk k + 1's source. Chunk k + 1 is WRITTEN only after chunk k is
// committed, because its destination may overlap chunk k's source: written
// earlier, a crash would leave chunk k to be redone from a half-overwritten
// source. Memory: two chunk buffers (chunk <= data offset), whatever the
// image's size; the header is read back from the journal only at the end.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "convert/outcome.h"
#include "crypto/xts.h"
#include "journal/area.h"
#include "journal/record.h"
#include "base/range_file.h"
#include "plan/plan.h"
#include "plan/sparse.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

struct OfflineMoveState {
  RangeFile* device = nullptr;       // the PV's partition (or whole disk) in the image
  Plan plan;
  XtsCipher* cipher = nullptr;  // used by one thread at a time
  JournalArea* journal = nullptr;
  JournalRecord record;  // the newest durable record
  // record.sparse: the PV's free extents (offline/sparse_ranges.h), in
  // sectors of the partition; what is free and a hole stays a hole.
  std::vector<SectorRange> free_sectors;
  std::uint64_t max_rate_bytes = 0;  // --max-rate, bytes/s (convert/pace.h); 0: no limit
};

// Moves chunks state.record.chunks_done.. and finishes (the header at the
// front, read back from the journal's staged copy, and the journal wiped). stop() is asked between chunks.
MoveOutcome offline_move_and_finish(OfflineMoveState& state, const ProgressFn& progress,
                                    const std::function<bool()>& stop);

}  // namespace pv2luks
