#include "plan/sparse.h"

#include <algorithm>

#include "base/round.h"

namespace pv2luks {

namespace {

// The parts of `chunk` inside `free` and outside `allocated`, whole blocks.
std::vector<SectorRange> skipped(const SectorRange& chunk, const std::vector<SectorRange>& free,
                                 const std::vector<SectorRange>& allocated) {
  std::vector<SectorRange> out;
  for (const SectorRange& range : free) {
    std::uint64_t at = std::max(range.start_sectors, chunk.start_sectors);
    const std::uint64_t end = std::min(range.end_sectors, chunk.end_sectors);
    for (const SectorRange& used : allocated) {
      if (at >= end) break;
      if (used.end_sectors <= at) continue;
      const std::uint64_t hole_end = std::min(used.start_sectors, end);
      if (hole_end > at) out.push_back({at, hole_end});
      at = std::max(at, used.end_sectors);
    }
    if (at < end) out.push_back({at, end});
  }
  std::vector<SectorRange> blocks;
  for (const SectorRange& range : out) {
    const std::uint64_t start = round_up(range.start_sectors, kSparseBlockSectors);
    const std::uint64_t end = round_down(range.end_sectors, kSparseBlockSectors);
    if (start < end) blocks.push_back({start, end});
  }
  return blocks;
}

}  // namespace

std::vector<ChunkPiece> chunk_pieces(const SectorRange& chunk,
                                     const std::vector<SectorRange>& free,
                                     const std::vector<SectorRange>& allocated) {
  std::vector<ChunkPiece> pieces;
  std::uint64_t at = chunk.start_sectors;
  for (const SectorRange& hole : skipped(chunk, free, allocated)) {
    if (hole.start_sectors > at) pieces.push_back({{at, hole.start_sectors}, true});
    pieces.push_back({hole, false});
    at = hole.end_sectors;
  }
  if (at < chunk.end_sectors) pieces.push_back({{at, chunk.end_sectors}, true});
  return pieces;
}

}  // namespace pv2luks
