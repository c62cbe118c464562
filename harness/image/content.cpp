#include "image/content.h"

#include <fcntl.h>

#include <algorithm>
#include <functional>

#include "common/error.h"
#include "image/ext4_content.h"
#include "image/seeded_bytes.h"

namespace harness {

namespace {

constexpr std::size_t kChunkBytes = 1024 * 1024;

// Fills `size` bytes of the content stream from `offset` in it.
using ChunkSource = std::function<void(char* data, std::size_t size, std::uint64_t offset)>;

bool all_zero(const std::vector<char>& data, std::size_t size) {
  return std::all_of(data.begin(), data.begin() + static_cast<long>(size),
                     [](char c) { return c == 0; });
}

// Streams the source across the ranges; all-zero chunks become holes.
void write_ranges(ImageFile& image, const std::vector<ByteRange>& ranges,
                  const ChunkSource& source) {
  std::vector<char> chunk(kChunkBytes);
  std::uint64_t logical = 0;
  for (const ByteRange& range : ranges) {
    for (std::uint64_t done = 0; done < range.length_bytes;) {
      const auto size = static_cast<std::size_t>(
          std::min<std::uint64_t>(chunk.size(), range.length_bytes - done));
      source(chunk.data(), size, logical);
      if (all_zero(chunk, size)) {
        image.zero_at(range.offset_bytes + done, size);
      } else {
        image.write_at(range.offset_bytes + done, chunk.data(), size);
      }
      done += size;
      logical += size;
    }
  }
}

void write_ext4(ImageFile& image, std::uint64_t seed, const std::vector<ByteRange>& ranges,
                const std::string& scratch_dir, const std::string& label) {
  const std::string fs_path =
      make_ext4_image(scratch_dir, label, total_length_bytes(ranges), seed);
  ImageFile fs(fs_path, O_RDONLY);
  write_ranges(image, ranges, [&](char* data, std::size_t size, std::uint64_t offset) {
    if (fs.read_at(offset, data, size) != size) {
      Fail() << fs_path << ": read at byte " << offset << " failed: unexpected end of file";
    }
  });
  remove_ext4_image(fs_path);
}

}  // namespace

std::uint64_t total_length_bytes(const std::vector<ByteRange>& ranges) {
  std::uint64_t total = 0;
  for (const ByteRange& range : ranges) total += range.length_bytes;
  return total;
}

void write_content(ImageFile& image, const ContentSpec& content,
                   const std::vector<ByteRange>& ranges, const std::string& scratch_dir,
                   const std::string& label) {
  switch (content.kind) {
    case ContentKind::zero:
      for (const ByteRange& range : ranges) image.zero_at(range.offset_bytes, range.length_bytes);
      return;
    case ContentKind::random: {
      SeededBytes bytes(content.seed);
      write_ranges(image, ranges, [&](char* data, std::size_t size, std::uint64_t) {
        bytes.fill(data, size);
      });
      return;
    }
    case ContentKind::ext4:
      write_ext4(image, content.seed, ranges, scratch_dir, label);
      return;
  }
}

}  // namespace harness
