#include <gtest/gtest.h>

#include <vector>

#include "image/nbd_extents.h"

namespace pv2luks {
namespace {

using Extents = std::vector<ByteExtent>;

// (length, flags) pairs: flag bit 0 is a hole; bit 1 (zero) alone is data.
TEST(NbdExtents, HolesAreLeftOutAndTouchingDataMerges) {
  Extents out;
  const std::vector<std::uint32_t> words{4096, 0, 8192, 2, 4096, 3, 4096, 0};
  EXPECT_EQ(add_allocated_extents(out, 65536, words, 1 << 20), 65536u + 20480);
  EXPECT_EQ(out, (Extents{{65536, 12288}, {65536 + 16384, 4096}}));
  // The next reply goes on from there and merges with the last range.
  const std::vector<std::uint32_t> more{512, 0};
  EXPECT_EQ(add_allocated_extents(out, 65536 + 20480, more, 1 << 20), 65536u + 20992);
  EXPECT_EQ(out.back(), (ByteExtent{65536 + 16384, 4608}));
}

// What the server says past the range asked about is cut off; an odd last
// word and a reply from before what is known add nothing.
TEST(NbdExtents, ClipsToTheRangeAndIgnoresWhatItCannotPlace) {
  Extents out;
  EXPECT_EQ(add_allocated_extents(out, 0, std::vector<std::uint32_t>{4096, 0, 4096, 0, 7}, 6144),
            6144u);
  EXPECT_EQ(out, (Extents{{0, 6144}}));
  EXPECT_EQ(add_allocated_extents(out, 0, std::vector<std::uint32_t>{4096, 0}, 1 << 20), 0u);
  EXPECT_EQ(out, (Extents{{0, 6144}}));
}

}  // namespace
}  // namespace pv2luks
