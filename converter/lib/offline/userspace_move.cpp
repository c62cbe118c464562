#include "base/sector.h"
#include "offline/userspace_move.h"

#include <algorithm>
#include <future>
#include <string>

#include "base/test_point.h"
#include "convert/front_header.h"
#include "journal/commit.h"
#include "journal/journal_state.h"
#include "base/aligned_buffer.h"

namespace pv2luks {

namespace {

std::span<std::uint8_t> chunk_bytes(AlignedBuffer& buffer, const Chunk& chunk) {
  return buffer.span().first(chunk.length_sectors * kSectorBytes);
}

// Reads chunk k's plaintext and encrypts it in place, the two halves on two
// threads (`twin` is a second cipher for the second one): XTS with 512-byte
// sectors runs at about disk speed on one core here, and the writing thread
// mostly waits for the disk.
void read_and_encrypt(OfflineMoveState& state, XtsCipher& twin, const Chunk& chunk,
                      std::span<std::uint8_t> data) {
  state.device->read(chunk.start_sectors * kSectorBytes, data);
  // The IV counts sectors of the LUKS data area, whose sector s is the PV's
  // sector s: the same number as the source's.
  const std::size_t half = data.size() / 2 / 4096 * 4096;
  auto second = std::async(std::launch::async, [&] {
    twin.encrypt(data.subspan(half), chunk.start_sectors + half / kSectorBytes);
  });
  state.cipher->encrypt(data.first(half), chunk.start_sectors);
  second.get();
}

// Writes chunk k's ciphertext data_offset further on, in two halves with a
// test point between them.
void write_chunk(OfflineMoveState& state, std::uint64_t k, const Chunk& chunk,
                 std::span<const std::uint8_t> data) {
  const std::uint64_t to_bytes = (state.plan.input.data_offset_sectors + chunk.start_sectors) *
                                 kSectorBytes;
  const std::size_t half = data.size() / 2 / 4096 * 4096;
  state.device->write(to_bytes, data.first(half));
  test_point("chunk-half " + std::to_string(k));
  state.device->write(to_bytes + half, data.subspan(half));
  test_point("chunk-written " + std::to_string(k));
}

// The rest of the LUKS data area, between the moved PV's end and the
// journal: the old tail room, which may hold plaintext left there (old
// extents cut off by a pvresize). Filled with the ciphertext of zeros, so it
// reads as zeros through the LUKS volume and no plaintext remains. Writes
// only there, so redoing it after a crash is harmless.
void wipe_tail(OfflineMoveState& state, AlignedBuffer& buffer) {
  const PlanInput& input = state.plan.input;
  const std::uint64_t end_sectors = state.journal->start_sectors() - input.data_offset_sectors;
  for (std::uint64_t at = input.move_sectors; at < end_sectors;) {
    const std::uint64_t length =
        std::min<std::uint64_t>(end_sectors - at, buffer.size() / kSectorBytes);
    const std::span<std::uint8_t> data = buffer.span().first(length * kSectorBytes);
    std::fill(data.begin(), data.end(), 0);
    state.cipher->encrypt(data, at);
    state.device->write((input.data_offset_sectors + at) * kSectorBytes, data);
    at += length;
  }
  state.device->sync();
}

// The chunks from state.record.chunks_done on, then the tail. Its buffers
// are gone when it returns.
MoveOutcome move_chunks(OfflineMoveState& state, const ProgressFn& progress,
                        const std::function<bool()>& stop) {
  const Plan& plan = state.plan;
  const std::uint64_t total_bytes = plan.input.move_sectors * kSectorBytes;
  std::uint64_t done_bytes = moved_bytes(plan, state.record.chunks_done);
  const auto commit_early = test_hook(TestHook::CommitEarly);  // negative control
  const std::size_t buffer_bytes = plan.chunk_sectors * kSectorBytes;
  AlignedBuffer buffers[2] = {AlignedBuffer(buffer_bytes), AlignedBuffer(buffer_bytes)};
  const std::unique_ptr<XtsCipher> twin = state.cipher->twin();
  // The second thread's job: chunk k's ciphertext into buffers[k % 2].
  auto read_chunk = [&](std::uint64_t k) {
    const Chunk chunk = plan.chunk(k);
    read_and_encrypt(state, *twin, chunk, chunk_bytes(buffers[k % 2], chunk));
  };
  std::future<void> next;
  if (state.record.chunks_done < plan.chunk_count()) {
    next = std::async(std::launch::async, read_chunk, state.record.chunks_done);
  }
  for (std::uint64_t k = state.record.chunks_done; k < plan.chunk_count(); ++k) {
    next.get();  // chunk k's ciphertext is in buffers[k % 2]
    if (stop && stop()) return MoveOutcome::kStopped;  // chunk k - 1 is committed
    if (k + 1 < plan.chunk_count()) next = std::async(std::launch::async, read_chunk, k + 1);
    const Chunk chunk = plan.chunk(k);
    if (commit_early && *commit_early == k) {
      commit_record(*state.journal, state.record, JournalPhase::kMoving, k + 1);
      test_point("committed-early " + std::to_string(k));
    }
    // Write point: chunk k's destination is being written. The journal
    // still says k chunks are done and chunk k's source is whole (the plan
    // never lets a chunk's copy land on its own source), so a resume redoes
    // chunk k from it.
    write_chunk(state, k, chunk, chunk_bytes(buffers[k % 2], chunk));
    state.device->sync();
    // Commit point: chunk k's ciphertext is written and synced, so the
    // journal may say k + 1 chunks are done. Only after this record is
    // durable is chunk k + 1 written, over chunk k's source.
    commit_record(*state.journal, state.record, JournalPhase::kMoving, k + 1);
    test_point("chunk-done " + std::to_string(k));
    done_bytes += chunk.length_sectors * kSectorBytes;
    progress({"move", done_bytes, total_bytes, k + 1, plan.chunk_count()});
  }
  if (state.record.phase == JournalPhase::kMoving || state.record.phase == JournalPhase::kStaged) {
    // Commit point: every chunk is moved and durable; the front's plaintext
    // is no longer needed, so the header may overwrite it.
    commit_record(*state.journal, state.record, JournalPhase::kMoved, plan.chunk_count());
  }
  test_point("moved");
  wipe_tail(state, buffers[0]);
  return MoveOutcome::kFinished;
}

}  // namespace

MoveOutcome offline_move_and_finish(OfflineMoveState& state, const ProgressFn& progress,
                                    const std::function<bool()>& stop) {
  if (move_chunks(state, progress, stop) == MoveOutcome::kStopped) return MoveOutcome::kStopped;
  const std::uint64_t total_bytes = state.plan.input.move_sectors * kSectorBytes;
  const ByteRange& range = state.device->range();
  write_front_header(staged_header(*state.journal, state.record), *range.source,
                     range.offset_bytes);
  // Commit point: the header at the front is durable: the partition is a
  // complete LUKS volume that stock cryptsetup opens.
  commit_record(*state.journal, state.record, JournalPhase::kComplete, state.plan.chunk_count());
  const std::uint64_t chunks = state.plan.chunk_count();
  progress({"header", total_bytes, total_bytes, chunks, chunks});
  // The journal's job is done; wiping it also removes the staged header copy.
  state.journal->wipe();
  return MoveOutcome::kFinished;
}

}  // namespace pv2luks
