#include "base/sector.h"
#include "offline/userspace_move.h"

#include <algorithm>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/test_point.h"
#include "convert/chunk_loop.h"
#include "convert/front_header.h"
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

// The offline mover's steps. Pipelined: start_copy(k) waits for chunk k's
// ciphertext and starts reading and encrypting chunk k + 1 on a second
// thread (safe: chunk k's destination lies at or after chunk k's end, above
// chunk k + 1's source); chunk k + 1 is written only in its own
// finish_copy, after chunk k is committed.
class UserspaceMover : public ChunkMover {
 public:
  explicit UserspaceMover(OfflineMoveState& state)
      : state_(state), twin_(state.cipher->twin()) {
    const std::size_t buffer_bytes = state.plan.chunk_sectors * kSectorBytes;
    buffers_.emplace_back(buffer_bytes);
    buffers_.emplace_back(buffer_bytes);
  }

  void start_copy(std::uint64_t k) override {
    if (!next_.valid()) next_ = read_ahead(k);  // the first chunk of this run
    next_.get();  // chunk k's ciphertext is in buffers_[k % 2]
    if (k + 1 < state_.plan.chunk_count()) next_ = read_ahead(k + 1);
  }
  void finish_copy(std::uint64_t k) override {
    const Chunk chunk = state_.plan.chunk(k);
    write_chunk(state_, k, chunk, chunk_bytes(buffers_[k % 2], chunk));
  }
  void make_durable(std::uint64_t) override { state_.device->sync(); }
  // The chunk buffers are no longer needed (no read-ahead is in flight
  // after the last chunk): memory stays at two chunk buffers whatever comes.
  void all_moved() override { buffers_.clear(); }
  // The old tail room filled with the ciphertext of zeros, so it reads as
  // zeros through the LUKS volume and no plaintext remains.
  void wipe_tail(std::uint64_t start_sectors, std::uint64_t end_sectors) override {
    AlignedBuffer buffer(state_.plan.chunk_sectors * kSectorBytes);
    const std::uint64_t offset_sectors = state_.plan.input.data_offset_sectors;
    for (std::uint64_t at = start_sectors; at < end_sectors;) {
      const std::uint64_t length =
          std::min<std::uint64_t>(end_sectors - at, buffer.size() / kSectorBytes);
      const std::span<std::uint8_t> data = buffer.span().first(length * kSectorBytes);
      std::fill(data.begin(), data.end(), 0);
      state_.cipher->encrypt(data, at);
      state_.device->write((offset_sectors + at) * kSectorBytes, data);
      at += length;
    }
    state_.device->sync();
  }
  void write_header(const std::vector<std::uint8_t>& header) override {
    const ByteRange& range = state_.device->range();
    write_front_header(header, *range.source, range.offset_bytes);
  }

 private:
  // Chunk k's ciphertext into buffers_[k % 2], on a second thread.
  std::future<void> read_ahead(std::uint64_t k) {
    return std::async(std::launch::async, [this, k] {
      const Chunk chunk = state_.plan.chunk(k);
      read_and_encrypt(state_, *twin_, chunk, chunk_bytes(buffers_[k % 2], chunk));
    });
  }

  OfflineMoveState& state_;
  const std::unique_ptr<XtsCipher> twin_;
  std::vector<AlignedBuffer> buffers_;
  std::future<void> next_;  // last member: destroyed (joined) first
};

}  // namespace

MoveOutcome offline_move_and_finish(OfflineMoveState& state, const ProgressFn& progress,
                                    const std::function<bool()>& stop) {
  UserspaceMover mover(state);
  return run_chunk_loop(mover, state.plan, *state.journal, state.record, progress, stop);
}

}  // namespace pv2luks
