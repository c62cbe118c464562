#include "convert/chunk_loop.h"

#include <string>

#include "base/sector.h"
#include "base/test_point.h"
#include "convert/pace.h"
#include "journal/commit.h"
#include "journal/journal_state.h"

namespace pv2luks {

namespace {

// The chunks from record.chunks_done on. kStopped when stop() asked.
MoveOutcome move_chunks(ChunkMover& mover, const Plan& plan, JournalArea& journal,
                        JournalRecord& record, const ProgressFn& progress,
                        const std::function<bool()>& stop, std::uint64_t max_rate_bytes) {
  const std::uint64_t total_bytes = plan.input.move_sectors * kSectorBytes;
  std::uint64_t done_bytes = moved_bytes(plan, record.chunks_done);
  const std::uint64_t first_bytes = done_bytes;
  const Pace pace(max_rate_bytes);
  const auto commit_early = test_hook(TestHook::CommitEarly);  // negative control
  for (std::uint64_t k = record.chunks_done; k < plan.chunk_count(); ++k) {
    // --max-rate: between chunks, with chunk k - 1 committed (a wait cut
    // short by stop() ends the run just below).
    pace.wait(done_bytes - first_bytes, stop);
    if (stop && stop()) {
      // Chunk k - 1 is committed (or none is, k = 0): the only place a run
      // stops, so a resume continues from chunk k.
      mover.stopped(k);
      return MoveOutcome::kStopped;
    }
    // Write point: chunk k's destination is being written. The journal
    // still says k chunks are done and chunk k's source is whole (the plan
    // never lets a chunk's copy land on its own source), so a resume redoes
    // chunk k from it.
    mover.start_copy(k);
    if (commit_early && *commit_early == k) {
      commit_record(journal, record, JournalPhase::kMoving, k + 1);
      test_point("committed-early " + std::to_string(k));
    }
    mover.finish_copy(k);
    mover.make_durable(k);
    // Commit point: chunk k's ciphertext is complete (written, or its mirror
    // in sync) and durable (synced, or the disk's cache flushed), so the
    // journal may say k + 1 chunks are done. Only after this record is
    // durable may anything bypass chunk k's plaintext source: the live
    // mover's next table sends chunk k's writes to the ciphertext alone, and
    // chunk k + 1's copy may land on chunk k's source.
    commit_record(journal, record, JournalPhase::kMoving, k + 1);
    test_point("chunk-done " + std::to_string(k));
    done_bytes += plan.chunk(k).length_sectors * kSectorBytes;
    progress({"move", done_bytes, total_bytes, k + 1, plan.chunk_count()});
  }
  return MoveOutcome::kFinished;
}

}  // namespace

MoveOutcome run_chunk_loop(ChunkMover& mover, const Plan& plan, JournalArea& journal,
                           JournalRecord& record, const ProgressFn& progress,
                           const std::function<bool()>& stop, std::uint64_t max_rate_bytes) {
  if (move_chunks(mover, plan, journal, record, progress, stop, max_rate_bytes) ==
      MoveOutcome::kStopped) {
    return MoveOutcome::kStopped;
  }
  const std::uint64_t chunks = plan.chunk_count();
  if (record.phase == JournalPhase::kMoving || record.phase == JournalPhase::kStaged) {
    // Commit point: every chunk is moved and durable; the front's plaintext
    // is no longer needed, so the header may overwrite it.
    commit_record(journal, record, JournalPhase::kMoved, chunks);
  }
  mover.all_moved();
  test_point("moved");
  // Write point: the rest of the LUKS data area, between the moved PV's end
  // and the journal, becomes the ciphertext of zeros. That is the old tail
  // room, which may still hold plaintext (extents pvmove moved away and
  // pvresize cut off for --make-room, or whatever was there before). No LV
  // maps it, nothing reads it and no commit depends on it, so a resume
  // (which comes back here from phase moved) simply writes it again.
  const std::uint64_t tail_start_sectors = plan.input.move_sectors;
  const std::uint64_t tail_end_sectors = journal.start_sectors() - plan.input.data_offset_sectors;
  if (tail_end_sectors > tail_start_sectors) {
    mover.wipe_tail(tail_start_sectors, tail_end_sectors);
  }
  // Write point: the header at the front, from the journal's staged copy
  // (checked against the record's checksum): the same bytes whether this is
  // the first run or a resume. A torn header is rewritten by a resume.
  mover.write_header(staged_header(journal, record));
  test_point("header-written");
  mover.header_written();
  // Commit point: the header at the front is durable: the device is a
  // complete LUKS volume that stock cryptsetup opens (and, live, its VG
  // autoactivates as it did before the conversion).
  commit_record(journal, record, JournalPhase::kComplete, chunks);
  const std::uint64_t total_bytes = plan.input.move_sectors * kSectorBytes;
  progress({"header", total_bytes, total_bytes, chunks, chunks});
  // The journal's job is done; a device with a header and no journal is
  // converted. Wiping it also removes the staged header copy.
  journal.wipe();
  mover.finished();
  return MoveOutcome::kFinished;
}

}  // namespace pv2luks
