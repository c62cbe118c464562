// --sparse: which parts of a chunk are copied and which stay unallocated.
// Pure: ranges in, pieces out.
//
// A part of the PV is left out of the copy only when it is both in a free
// extent (no LV maps it, so nothing reads it through the finished LUKS
// volume) and a hole in the image (it holds nothing, so nothing is lost).
// Its destination is zeroed with a write that may deallocate (a punched
// hole, an NBD write-zeroes), so no plaintext that was there before stays.
// Everything else is copied as usual: holes inside LVs become the
// ciphertext of zeros and read back as zeros, and free extents that hold
// bytes (a removed LV that vgcfgrestore could bring back) are encrypted.
#pragma once

#include <cstdint>
#include <vector>

namespace pv2luks {

// Sectors [start_sectors, end_sectors).
struct SectorRange {
  std::uint64_t start_sectors = 0;
  std::uint64_t end_sectors = 0;
  bool operator==(const SectorRange&) const = default;
};

// A piece of a chunk: copied (read, encrypted, written) or not (its
// destination zeroed).
struct ChunkPiece {
  SectorRange sectors;
  bool copy = true;
  bool operator==(const ChunkPiece&) const = default;
};

// Sectors of one 4 KiB block: pieces that are not copied start and end on
// block boundaries, the unit of a file system's holes.
inline constexpr std::uint64_t kSparseBlockSectors = 8;

// [chunk.start, chunk.end) in order, cut into pieces: what is in a range of
// `free` and in no range of `allocated` (both sorted, not overlapping),
// shrunk to whole blocks of kSparseBlockSectors, is not copied; the rest is.
// With `free` empty: one copied piece, the whole chunk.
std::vector<ChunkPiece> chunk_pieces(const SectorRange& chunk,
                                     const std::vector<SectorRange>& free,
                                     const std::vector<SectorRange>& allocated);

}  // namespace pv2luks
