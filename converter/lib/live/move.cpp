#include "base/sector.h"
#include "live/move.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "base/error.h"
#include "base/fd.h"
#include "base/test_point.h"
#include "convert/front_header.h"
#include "dm/dm_device.h"
#include "journal/commit.h"
#include "live/mirror_sync.h"
#include "base/errno_text.h"
#include "lvm/autoactivation.h"
#include "base/aligned_buffer.h"
#include "base/range_file.h"

namespace pv2luks {

namespace {

constexpr std::size_t kWipeBytes = 1 << 20;

// Makes every write that has completed on `device` durable: a flush of the
// disk's volatile cache. The mirror's copies into crypt_full completed on
// the same disk, so this is what makes a synced chunk durable.
void flush_device(const std::string& device) {
  Fd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) Fail() << device << ": flush failed: " << errno_text(errno);
}

// The rest of the LUKS data area, between the moved PV's end and the
// journal: the old tail room, which may still hold plaintext (extents that
// pvmove moved away and pvresize cut off for --make-room, or whatever the
// partition held before). Written as zeros through the intermediate device,
// whose final table maps the whole data area as crypt, so it holds the
// ciphertext of zeros, as after an offline conversion. No LV maps it.
void wipe_tail(const MoveState& state) {
  const std::uint64_t start = state.plan.input.move_sectors;
  const std::uint64_t end = state.journal->start_sectors() - state.plan.input.data_offset_sectors;
  if (end <= start) return;
  RangeFile crypt(file_range("/dev/mapper/" + state.intermediate, 0, end * kSectorBytes), true);
  AlignedBuffer zeros(kWipeBytes);
  for (std::uint64_t at = start; at < end;) {
    const std::uint64_t sectors = std::min<std::uint64_t>(end - at, kWipeBytes / kSectorBytes);
    crypt.write(at * kSectorBytes, zeros.span().first(sectors * kSectorBytes));
    at += sectors;
  }
  crypt.sync();
}

}  // namespace

void load_and_swap(const std::string& name, const DmTable& table, dm::Udev udev) {
  dm::load(name, to_kernel(table).targets());
  dm::suspend(name);
  dm::resume(name, udev);
}

std::string crypt_full_uuid(const std::string& name) { return "CRYPT-TEMP-" + name; }

void commit(MoveState& state, JournalPhase phase, std::uint64_t chunks_done) {
  commit_record(*state.journal, state.record, phase, chunks_done);
}

MoveOutcome move_and_finish(MoveState& state, const ProgressFn& progress,
                            const std::function<bool()>& stop) {
  const Plan& plan = state.plan;
  const std::uint64_t total_bytes = plan.input.move_sectors * kSectorBytes;
  std::uint64_t done_bytes = moved_bytes(plan, state.record.chunks_done);
  const auto skip = test_hook(TestHook::SkipMirrorChunk);  // negative control
  const auto commit_early = test_hook(TestHook::CommitEarly);  // negative control
  for (std::uint64_t k = state.record.chunks_done; k < plan.chunk_count(); ++k) {
    if (stop && stop()) {
      // Chunk k - 1 is committed; leave it crypt-only, as a resume would.
      if (k > 0) {
        load_and_swap(state.intermediate, table_after(plan, k - 1, state.devices), dm::Udev::kNoScan);
      }
      return MoveOutcome::kStopped;
    }
    const Chunk chunk = plan.chunk(k);
    if (!skip || *skip != k) {
      // Write point: chunk k is mirrored; writes to it land in both the
      // plaintext source and its ciphertext copy. The journal still says k
      // chunks are done, and the source stays whole (the plan never lets a
      // copy land on its own source), so a resume redoes chunk k from it.
      load_and_swap(state.intermediate, table_for_step(plan, k, state.devices), dm::Udev::kNoScan);
      test_point("chunk-mirror " + std::to_string(k));
      if (commit_early && *commit_early == k) {
        commit(state, JournalPhase::kMoving, k + 1);
        test_point("committed-early " + std::to_string(k));
      }
      wait_for_mirror_sync(state.intermediate,
                           expected_mirror_regions(chunk.length_sectors, chunk.region_sectors));
      flush_device(state.device);
    }
    // Commit point: chunk k's ciphertext is in sync and flushed, so the
    // journal may say k + 1 chunks are done. Only after this record is
    // durable does the next table send chunk k's writes to crypt alone.
    commit(state, JournalPhase::kMoving, k + 1);
    test_point("chunk-done " + std::to_string(k));
    done_bytes += chunk.length_sectors * kSectorBytes;
    progress({"move", done_bytes, total_bytes, k + 1, plan.chunk_count()});
  }
  if (state.record.phase == JournalPhase::kMoving || state.record.phase == JournalPhase::kStaged) {
    // Commit point: every chunk is moved and durable; the front's plaintext
    // is no longer needed, so the header may overwrite it.
    commit(state, JournalPhase::kMoved, plan.chunk_count());
  }
  load_and_swap(state.intermediate, final_table(plan, state.devices), dm::Udev::kNoScan);
  test_point("moved");
  // Write point: the old tail room becomes ciphertext of zeros. Nothing
  // reads it and no commit depends on it, so a resume (which comes back here
  // from phase moved) simply writes it again.
  wipe_tail(state);
  write_front_header(state.header, state.device);
  test_point("header-written");
  // Only now may udev's rules look inside: the partition shows a LUKS header,
  // so the PV is seen once, on the crypt device. A suspend and resume gives
  // them the uevent (the crypt device's table is unchanged).
  dm::suspend(state.intermediate);
  dm::resume(state.intermediate, dm::Udev::kScan);
  // The VG may autoactivate again: its PV is on a LUKS volume now. LVM
  // writes that through the crypt device. A crash before the next commit
  // redoes the header and this (lvm/autoactivation.h).
  restore_autoactivation("/dev/mapper/" + state.intermediate);
  // Commit point: the header at the front is durable: the device is a
  // complete LUKS volume that stock cryptsetup opens, and its VG
  // autoactivates as it did before the conversion.
  commit(state, JournalPhase::kComplete, plan.chunk_count());
  progress({"header", total_bytes, total_bytes, plan.chunk_count(), plan.chunk_count()});
  // The journal's job is done; a device with a header and no journal is
  // converted. Wiping it also removes the staged header copy.
  state.journal->wipe();
  if (dm::info(state.crypt_full).exists) dm::remove(state.crypt_full);
  return MoveOutcome::kFinished;
}

}  // namespace pv2luks
