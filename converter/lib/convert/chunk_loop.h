// The one chunk loop of a conversion, live and offline: from the chunk the
// journal says is next, each chunk copied, made durable and committed, then
// the finish (the old tail room wiped, the staged header at the front, the
// journal wiped). The commit protocol of docs/journal.md is written here once;
// a mover (live/move.cpp: a dm mirror; offline/userspace_move.cpp: AES-XTS in
// userspace) supplies only how a chunk is copied and made durable, and what
// its device needs around the commit points.
//
// Stop requests are honoured only at commit points: stop() is asked before
// each chunk begins, when every earlier chunk is committed.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "convert/outcome.h"
#include "journal/area.h"
#include "journal/record.h"
#include "plan/plan.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

// One mover's steps, called by run_chunk_loop in this order for each chunk
// k: start_copy, finish_copy, make_durable (then the loop commits k + 1).
// A step that fails throws; the journal then still says the chunks before
// it are done, and a resume redoes the chunk in flight from its source.
class ChunkMover {
 public:
  virtual ~ChunkMover() = default;
  // Chunk k's copy begins: from here its destination may be written.
  virtual void start_copy(std::uint64_t k) = 0;
  // Chunk k's ciphertext is all in place (not necessarily durable yet).
  virtual void finish_copy(std::uint64_t k) = 0;
  // Chunk k's ciphertext is on stable storage once this returns.
  virtual void make_durable(std::uint64_t k) = 0;
  // The run stops with `chunks_done` chunks committed: leave the device as
  // a resume from there expects it.
  virtual void stopped(std::uint64_t chunks_done) { (void)chunks_done; }
  // Every chunk is moved and committed: the whole data area is ciphertext.
  virtual void all_moved() {}
  // Writes the ciphertext of zeros into the LUKS data area's sectors
  // [start_sectors, end_sectors), durably.
  virtual void wipe_tail(std::uint64_t start_sectors, std::uint64_t end_sectors) = 0;
  // Writes `header` at the device's front, durably.
  virtual void write_header(const std::vector<std::uint8_t>& header) = 0;
  // The header is durable; the record "complete" is not written yet.
  virtual void header_written() {}
  // The journal is wiped: the conversion is over.
  virtual void finished() {}
};

// Moves chunks record.chunks_done.. of `plan` with `mover`, committing each
// into `journal` (record becomes the newest durable record), and finishes.
// Progress: "move" after each chunk's commit, "header" after the last
// commit. `max_rate_bytes` per second: the move's average rate in this run
// at most that (convert/pace.h); 0: as fast as the mover goes.
MoveOutcome run_chunk_loop(ChunkMover& mover, const Plan& plan, JournalArea& journal,
                           JournalRecord& record, const ProgressFn& progress,
                           const std::function<bool()>& stop, std::uint64_t max_rate_bytes = 0);

}  // namespace pv2luks
