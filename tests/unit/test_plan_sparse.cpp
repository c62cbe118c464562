#include <gtest/gtest.h>

#include <vector>

#include "plan/sparse.h"

namespace pv2luks {
namespace {

using Pieces = std::vector<ChunkPiece>;

// Without free extents (a dense conversion) a chunk is one copied piece,
// holes or not.
TEST(SparsePieces, NoFreeExtentsCopiesTheWholeChunk) {
  EXPECT_EQ(chunk_pieces({64, 1088}, {}, {}), (Pieces{{{64, 1088}, true}}));
}

// Free and a hole: not copied; free but allocated (a removed LV's bytes),
// or a hole inside an LV: copied.
TEST(SparsePieces, OnlyWhatIsFreeAndAHoleIsLeftOut) {
  const std::vector<SectorRange> free{{256, 512}, {768, 1024}};
  const std::vector<SectorRange> allocated{{0, 128}, {800, 832}};
  EXPECT_EQ(chunk_pieces({0, 1024}, free, allocated),
            (Pieces{{{0, 256}, true},
                    {{256, 512}, false},
                    {{512, 768}, true},
                    {{768, 800}, false},
                    {{800, 832}, true},
                    {{832, 1024}, false}}));
}

// A hole that does not cover whole 4 KiB blocks is copied at its ragged
// ends: a block left out must be all hole and all free.
TEST(SparsePieces, LeftOutPiecesAreWholeBlocks) {
  const std::vector<SectorRange> free{{3, 61}};
  EXPECT_EQ(chunk_pieces({0, 64}, free, {}),
            (Pieces{{{0, 8}, true}, {{8, 56}, false}, {{56, 64}, true}}));
  // Less than one whole block: nothing is left out.
  EXPECT_EQ(chunk_pieces({0, 64}, {{9, 15}}, {}), (Pieces{{{0, 64}, true}}));
}

// Free extents and allocation outside the chunk do not matter; a free
// extent that covers the chunk and no allocation leaves all of it out.
TEST(SparsePieces, ClipsToTheChunk) {
  EXPECT_EQ(chunk_pieces({1024, 2048}, {{0, 4096}}, {{0, 1024}, {2048, 4096}}),
            (Pieces{{{1024, 2048}, false}}));
  EXPECT_EQ(chunk_pieces({1024, 2048}, {{0, 512}, {3000, 4096}}, {}),
            (Pieces{{{1024, 2048}, true}}));
}

}  // namespace
}  // namespace pv2luks
