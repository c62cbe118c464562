#include "live/move.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>

#include "base/error.h"
#include "base/fd.h"
#include "base/sector.h"
#include "base/test_point.h"
#include "convert/chunk_loop.h"
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

// Writes zeros into sectors [start, end) of the LUKS data area through the
// intermediate device, whose final table maps the whole data area as crypt,
// so they hold the ciphertext of zeros, as after an offline conversion.
void wipe_through_crypt(const MoveState& state, std::uint64_t start, std::uint64_t end) {
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

namespace {

// The live mover's steps: the copy is a dm mirror inside the intermediate
// device, from the chunk's plaintext into crypt_full, while the LVs run.
class MirrorMover : public ChunkMover {
 public:
  explicit MirrorMover(MoveState& state)
      : state_(state), skip_(test_hook(TestHook::SkipMirrorChunk)) {}  // negative control

  // Write point: chunk k is mirrored; writes to it land in both the
  // plaintext source and its ciphertext copy. The journal still says k
  // chunks are done, and the source stays whole, so a resume redoes chunk k
  // from it.
  void start_copy(std::uint64_t k) override {
    if (skipped(k)) return;
    load_and_swap(state_.intermediate, table_for_step(state_.plan, k, state_.devices),
                  dm::Udev::kNoScan);
    test_point("chunk-mirror " + std::to_string(k));
  }
  void finish_copy(std::uint64_t k) override {
    if (skipped(k)) return;
    const Chunk chunk = state_.plan.chunk(k);
    wait_for_mirror_sync(state_.intermediate,
                         expected_mirror_regions(chunk.length_sectors, chunk.region_sectors));
  }
  void make_durable(std::uint64_t k) override {
    if (!skipped(k)) flush_device(state_.device);
  }
  void stopped(std::uint64_t chunks_done) override {
    // Chunk chunks_done - 1 is committed; leave it crypt-only, as a resume
    // would.
    if (chunks_done > 0) {
      load_and_swap(state_.intermediate, table_after(state_.plan, chunks_done - 1, state_.devices),
                    dm::Udev::kNoScan);
    }
  }
  void all_moved() override {
    load_and_swap(state_.intermediate, final_table(state_.plan, state_.devices), dm::Udev::kNoScan);
  }
  void wipe_tail(std::uint64_t start_sectors, std::uint64_t end_sectors) override {
    wipe_through_crypt(state_, start_sectors, end_sectors);
  }
  void write_header(const std::vector<std::uint8_t>& header) override {
    write_front_header(header, state_.device);
  }
  void header_written() override {
    // Only now may udev's rules look inside: the partition shows a LUKS
    // header, so the PV is seen once, on the crypt device. A suspend and
    // resume gives them the uevent (the crypt device's table is unchanged).
    dm::suspend(state_.intermediate);
    dm::resume(state_.intermediate, dm::Udev::kScan);
    // The VG may autoactivate again: its PV is on a LUKS volume now. LVM
    // writes that through the crypt device. A crash before the next commit
    // redoes the header and this (lvm/autoactivation.h).
    restore_autoactivation("/dev/mapper/" + state_.intermediate);
  }
  void finished() override {
    if (dm::info(state_.crypt_full).exists) dm::remove(state_.crypt_full);
  }

 private:
  bool skipped(std::uint64_t k) const { return skip_ && *skip_ == k; }

  MoveState& state_;
  const std::optional<std::uint64_t> skip_;
};

}  // namespace

MoveOutcome move_and_finish(MoveState& state, const ProgressFn& progress,
                            const std::function<bool()>& stop) {
  MirrorMover mover(state);
  return run_chunk_loop(mover, state.plan, *state.journal, state.record, progress, stop,
                        state.max_rate_bytes);
}

}  // namespace pv2luks
