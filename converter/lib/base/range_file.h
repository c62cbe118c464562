// The PV's device as a byte range of what holds it (a block device, an
// image's raw disk file, or a qcow2 image's NBD export: base/block_io.h),
// read and written at offsets relative to the range's start, each access
// checked to lie inside the range. O_DIRECT where the file allows it, so a
// conversion neither fills the page cache nor trusts it. The journal, the
// movers and the offline checks all reach the PV's bytes through this.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/block_io.h"
#include "base/read_at.h"

namespace pv2luks {

struct ByteRange {
  std::shared_ptr<const BlockSource> source;  // the raw disk to do I/O on
  std::uint64_t offset_bytes = 0;  // where the PV's partition starts in it
  std::uint64_t size_bytes = 0;    // the partition's size
  const std::string& name() const { return source->name(); }
};

// The range of `path` (a file or block device) from `offset_bytes`;
// `direct_io` false: never O_DIRECT.
ByteRange file_range(const std::string& path, std::uint64_t offset_bytes,
                     std::uint64_t size_bytes, bool direct_io = true);

class RangeFile {
 public:
  RangeFile(const ByteRange& range, bool writable);
  // Whole reads and writes at `offset_bytes` inside the range; an Error
  // names the file and the offset. With O_DIRECT the buffer, the offset and
  // the size are 4 KiB multiples (AlignedBuffer, chunk boundaries).
  void read(std::uint64_t offset_bytes, std::span<std::uint8_t> out) const;
  void write(std::uint64_t offset_bytes, std::span<const std::uint8_t> data);
  // Makes every completed write durable (fdatasync; an NBD flush).
  void sync();
  // BlockIo::allocated and BlockIo::zero, at offsets inside the range.
  std::optional<std::vector<ByteExtent>> allocated(const ByteExtent& range) const;
  void zero(const ByteExtent& range);
  // A ReadAt over the range, for the parsers; buffered, any alignment.
  ReadAt reader() const;
  const ByteRange& range() const { return range_; }

 private:
  void check_inside(std::uint64_t offset_bytes, std::size_t size, const char* what) const;
  ByteRange range_;
  std::shared_ptr<BlockIo> io_;
  std::shared_ptr<BlockIo> buffered_io_;  // for reader(): unaligned parser reads
};

}  // namespace pv2luks
