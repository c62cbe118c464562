#include "offline/userspace_move.h"

#include <algorithm>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/aligned_buffer.h"
#include "base/sector.h"
#include "base/test_point.h"
#include "convert/chunk_loop.h"
#include "convert/front_header.h"
#include "offline/sparse_ranges.h"
#include "plan/sparse.h"

namespace pv2luks {

namespace {

std::span<std::uint8_t> chunk_bytes(AlignedBuffer& buffer, const Chunk& chunk) {
  return buffer.span().first(chunk.length_sectors * kSectorBytes);
}

// The pieces of sectors [start, end) of the partition: one copied piece, or
// with --sparse the parts that are free (`free`) and holes in the image left
// out (plan/sparse.h).
std::vector<ChunkPiece> pieces_of(const OfflineMoveState& state, const SectorRange& range,
                                  const std::vector<SectorRange>& free) {
  if (!state.record.sparse) return {{range, true}};
  return chunk_pieces(range, free, allocated_sectors(*state.device, range));
}

// Calls each(piece, from, to) for the parts of `pieces` inside bytes [from,
// to) of the chunk that starts at sector `start`; from and to are bytes of
// the chunk's buffer.
template <typename Each>
void for_each_piece_in(const std::vector<ChunkPiece>& pieces, std::uint64_t start,
                       std::size_t from, std::size_t to, Each each) {
  for (const ChunkPiece& piece : pieces) {
    const std::size_t begin = (piece.sectors.start_sectors - start) * kSectorBytes;
    const std::size_t end = (piece.sectors.end_sectors - start) * kSectorBytes;
    if (std::max(begin, from) < std::min(end, to)) {
      each(piece, std::max(begin, from), std::min(end, to));
    }
  }
}

// Calls first(0, half) here and second(half, size) on a second thread, half
// a 4 KiB multiple (first(0, size) alone below 8 KiB): XTS with 512-byte
// sectors runs at about disk speed on one core here.
template <typename First, typename Second>
void on_two_threads(std::size_t size, First first, Second second) {
  const std::size_t half = size / 2 / 4096 * 4096;
  if (half == 0) return first(0, size);
  auto other = std::async(std::launch::async, [&] { second(half, size); });
  first(0, half);
  other.get();
}

// Encrypts `data`, whose first sector is the data area's sector `sector`, in
// place: its halves on two threads, `twin` a second cipher for the second.
void encrypt_on_two_threads(XtsCipher& cipher, XtsCipher& twin, std::span<std::uint8_t> data,
                            std::uint64_t sector) {
  const auto part = [&](XtsCipher& c, std::size_t from, std::size_t to) {
    c.encrypt(data.subspan(from, to - from), sector + from / kSectorBytes);
  };
  on_two_threads(data.size(), [&](std::size_t from, std::size_t to) { part(cipher, from, to); },
                 [&](std::size_t from, std::size_t to) { part(twin, from, to); });
}

// Reads the copied pieces of chunk k's plaintext and encrypts them in
// place, the two halves on two threads (`twin` is a second cipher for the
// second one): XTS with 512-byte sectors runs at about disk speed on one
// core here, and the writing thread mostly waits for the disk.
void read_and_encrypt(OfflineMoveState& state, XtsCipher& twin, const Chunk& chunk,
                      const std::vector<ChunkPiece>& pieces, std::span<std::uint8_t> data) {
  const std::uint64_t start = chunk.start_sectors;
  for_each_piece_in(pieces, start, 0, data.size(), [&](const ChunkPiece& piece, std::size_t from,
                                                       std::size_t to) {
    if (piece.copy) state.device->read(start * kSectorBytes + from, data.subspan(from, to - from));
  });
  // The IV counts sectors of the LUKS data area, whose sector s is the PV's
  // sector s: the same number as the source's.
  const auto encrypt = [&](XtsCipher& cipher, std::size_t from, std::size_t to) {
    for_each_piece_in(pieces, start, from, to, [&](const ChunkPiece& piece, std::size_t begin,
                                                   std::size_t end) {
      if (!piece.copy) return;
      cipher.encrypt(data.subspan(begin, end - begin), start + begin / kSectorBytes);
    });
  };
  on_two_threads(
      data.size(), [&](std::size_t from, std::size_t to) { encrypt(*state.cipher, from, to); },
      [&](std::size_t from, std::size_t to) { encrypt(twin, from, to); });
}

// Writes the bytes [from, to) of chunk k's ciphertext data_offset further
// on: the copied pieces written, the others' place zeroed (deallocated).
void write_part(OfflineMoveState& state, const Chunk& chunk, const std::vector<ChunkPiece>& pieces,
                std::span<const std::uint8_t> data, std::size_t from, std::size_t to) {
  const std::uint64_t to_bytes = (state.plan.input.data_offset_sectors + chunk.start_sectors) *
                                 kSectorBytes;
  const bool zero = !test_hook(TestHook::SparseNoZero);  // negative control
  for_each_piece_in(pieces, chunk.start_sectors, from, to, [&](const ChunkPiece& piece,
                                                               std::size_t begin, std::size_t end) {
    if (piece.copy) {
      state.device->write(to_bytes + begin, data.subspan(begin, end - begin));
    } else if (zero) {
      state.device->zero({to_bytes + begin, end - begin});
    }
  });
}

// Writes chunk k's ciphertext data_offset further on, in two halves with a
// test point between them.
void write_chunk(OfflineMoveState& state, std::uint64_t k, const Chunk& chunk,
                 const std::vector<ChunkPiece>& pieces, std::span<const std::uint8_t> data) {
  const std::size_t half = data.size() / 2 / 4096 * 4096;
  write_part(state, chunk, pieces, data, 0, half);
  test_point("chunk-half " + std::to_string(k));
  write_part(state, chunk, pieces, data, half, data.size());
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
    write_chunk(state_, k, chunk, pieces_[k % 2], chunk_bytes(buffers_[k % 2], chunk));
  }
  // Covers the ranges --sparse zeroed too: fdatasync persists a punched
  // hole (the inode's extent map), an NBD flush a write-zeroes.
  void make_durable(std::uint64_t) override { state_.device->sync(); }
  // One chunk buffer is kept for the tail (no read-ahead is in flight
  // after the last chunk): memory stays at two chunk buffers whatever comes.
  void all_moved() override { buffers_.erase(buffers_.begin() + 1, buffers_.end()); }
  // The old tail room filled with the ciphertext of zeros, so it reads as
  // zeros through the LUKS volume and no plaintext remains. With --sparse
  // its holes stay holes: they hold nothing, and no LV maps the tail.
  void wipe_tail(std::uint64_t start_sectors, std::uint64_t end_sectors) override {
    AlignedBuffer& buffer = buffers_.front();
    const std::uint64_t offset_sectors = state_.plan.input.data_offset_sectors;
    const SectorRange tail{offset_sectors + start_sectors, offset_sectors + end_sectors};
    for (const ChunkPiece& piece : pieces_of(state_, tail, {tail})) {
      if (!piece.copy) continue;
      for (std::uint64_t at = piece.sectors.start_sectors; at < piece.sectors.end_sectors;) {
        const std::uint64_t length =
            std::min<std::uint64_t>(piece.sectors.end_sectors - at, buffer.size() / kSectorBytes);
        const std::span<std::uint8_t> data = buffer.span().first(length * kSectorBytes);
        std::fill(data.begin(), data.end(), 0);
        encrypt_on_two_threads(*state_.cipher, *twin_, data, at - offset_sectors);
        state_.device->write(at * kSectorBytes, data);
        at += length;
      }
    }
    state_.device->sync();
  }
  void write_header(const std::vector<std::uint8_t>& header) override {
    const ByteRange& range = state_.device->range();
    write_front_header(header, *range.source, range.offset_bytes);
  }

 private:
  // Chunk k's pieces into pieces_[k % 2] and its ciphertext into
  // buffers_[k % 2], on a second thread.
  std::future<void> read_ahead(std::uint64_t k) {
    return std::async(std::launch::async, [this, k] {
      const Chunk chunk = state_.plan.chunk(k);
      pieces_[k % 2] =
          pieces_of(state_, {chunk.start_sectors, chunk.end_sectors()}, state_.free_sectors);
      read_and_encrypt(state_, *twin_, chunk, pieces_[k % 2], chunk_bytes(buffers_[k % 2], chunk));
    });
  }

  OfflineMoveState& state_;
  const std::unique_ptr<XtsCipher> twin_;
  std::vector<AlignedBuffer> buffers_;
  std::vector<ChunkPiece> pieces_[2];
  std::future<void> next_;  // last member: destroyed (joined) first
};

}  // namespace

MoveOutcome offline_move_and_finish(OfflineMoveState& state, const ProgressFn& progress,
                                    const std::function<bool()>& stop) {
  UserspaceMover mover(state);
  return run_chunk_loop(mover, state.plan, *state.journal, state.record, progress, stop,
                        state.max_rate_bytes);
}

}  // namespace pv2luks
