// The PV's device inside an image: a byte range of a file (the image, its
// FUSE export, or a block device), read and written at offsets relative to
// the range's start. O_DIRECT where the file allows it, so a conversion
// neither fills the page cache nor trusts it; never through FUSE exports
// (PLATFORM.md: O_DIRECT writes over 1 MiB there corrupt data).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/fd.h"
#include "base/read_at.h"

namespace pv2luks {

struct ByteRange {
  std::string path;               // the file to do I/O on
  std::uint64_t offset_bytes = 0;  // where the PV's partition starts in it
  std::uint64_t size_bytes = 0;    // the partition's size
  bool direct_io = true;           // false: buffered (FUSE exports)
};

class RangeFile {
 public:
  RangeFile(const ByteRange& range, bool writable);
  // Whole reads and writes at `offset_bytes` inside the range; an Error
  // names the file and the offset. With O_DIRECT the buffer, the offset and
  // the size are 4 KiB multiples (AlignedBuffer, chunk boundaries).
  void read(std::uint64_t offset_bytes, std::span<std::uint8_t> out) const;
  void write(std::uint64_t offset_bytes, std::span<const std::uint8_t> data);
  // Makes every completed write durable (fdatasync).
  void sync();
  // A ReadAt over the range, for the parsers; buffered, any alignment.
  ReadAt reader() const;
  const ByteRange& range() const { return range_; }

 private:
  void check_inside(std::uint64_t offset_bytes, std::size_t size, const char* what) const;
  ByteRange range_;
  Fd fd_;
  Fd buffered_fd_;  // for reader(): unaligned parser reads
};

}  // namespace pv2luks
