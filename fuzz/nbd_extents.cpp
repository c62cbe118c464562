// image/nbd_extents: an NBD server's block status words (base:allocation)
// turned into allocated ranges. Whatever the words, the ranges stay sorted,
// apart, non-empty and inside the range asked about, and the reply's reach
// never goes backwards.
//
// Input: the offset (8 bytes) and the range's end (8 bytes, little-endian),
// then the 32-bit words of two replies, the second from where the first
// reached (a length word of 0xffffffff is as long as a reply can say).
#include <vector>

#include "fuzz_glue.h"
#include "image/nbd_extents.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

namespace {

std::uint64_t u64_of(Bytes bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < bytes.size() && i < 8; ++i) value |= std::uint64_t{bytes[i]} << (8 * i);
  return value;
}

std::vector<std::uint32_t> words_of(Bytes bytes) {
  std::vector<std::uint32_t> words(bytes.size() / 4);
  for (std::size_t i = 0; i < words.size(); ++i) {
    words[i] = static_cast<std::uint32_t>(u64_of(bytes.subspan(4 * i, 4)));
  }
  return words;
}

void check(const std::vector<ByteExtent>& out, std::uint64_t offset, std::uint64_t end) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    require(out[i].length_bytes > 0, "an empty range");
    require(out[i].offset_bytes >= offset && out[i].end_bytes() <= end, "a range outside");
    require(i == 0 || out[i - 1].end_bytes() < out[i].offset_bytes, "ranges touch or overlap");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes input(data, size);
  const std::uint64_t offset = u64_of(part(input, 0, 8)) >> 16;  // keeps offset + lengths in range
  const std::uint64_t end = offset + (u64_of(part(input, 8, 8)) >> 24);
  const std::vector<std::uint32_t> words = words_of(part(input, 16));
  const std::size_t half = words.size() / 2 / 2 * 2;
  std::vector<ByteExtent> out;
  const std::uint64_t first = add_allocated_extents(
      out, offset, std::span(words).first(half), end);
  require(first >= offset && (first <= end || first == offset), "the first reach is off");
  check(out, offset, end);
  const std::uint64_t second =
      add_allocated_extents(out, first, std::span(words).subspan(half), end);
  require(second >= first, "the reach went backwards");
  check(out, offset, end);
  return 0;
}
