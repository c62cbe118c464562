#include "base/range_file.h"

#include "base/error.h"

namespace pv2luks {

ByteRange file_range(const std::string& path, std::uint64_t offset_bytes,
                     std::uint64_t size_bytes, bool direct_io) {
  return {file_block_source(path, direct_io), offset_bytes, size_bytes};
}

RangeFile::RangeFile(const ByteRange& range, bool writable) : range_(range) {
  io_ = range.source->open({.writable = writable, .direct = true, .purpose = "the PV's device"});
  buffered_io_ = range.source->open({});
}

void RangeFile::check_inside(std::uint64_t offset_bytes, std::size_t size, const char* what) const {
  if (offset_bytes > range_.size_bytes || size > range_.size_bytes - offset_bytes) {
    Fail() << range_.name() << ": " << what << " of " << size << " bytes at " << offset_bytes
           << " runs past the PV's device (" << range_.size_bytes << " bytes)";
  }
}

void RangeFile::read(std::uint64_t offset_bytes, std::span<std::uint8_t> out) const {
  check_inside(offset_bytes, out.size(), "a read");
  io_->read(range_.offset_bytes + offset_bytes, out);
}

void RangeFile::write(std::uint64_t offset_bytes, std::span<const std::uint8_t> data) {
  check_inside(offset_bytes, data.size(), "a write");
  io_->write(range_.offset_bytes + offset_bytes, data);
}

void RangeFile::sync() { io_->flush(); }

std::optional<std::vector<ByteExtent>> RangeFile::allocated(const ByteExtent& range) const {
  check_inside(range.offset_bytes, range.length_bytes, "an allocation query");
  auto extents = io_->allocated({range_.offset_bytes + range.offset_bytes, range.length_bytes});
  if (extents) {
    for (ByteExtent& extent : *extents) extent.offset_bytes -= range_.offset_bytes;
  }
  return extents;
}

void RangeFile::zero(const ByteExtent& range) {
  check_inside(range.offset_bytes, range.length_bytes, "a zeroing");
  io_->zero({range_.offset_bytes + range.offset_bytes, range.length_bytes});
}

ReadAt RangeFile::reader() const {
  return [this](std::uint64_t offset_bytes, std::span<std::uint8_t> out) {
    check_inside(offset_bytes, out.size(), "a read");
    buffered_io_->read(range_.offset_bytes + offset_bytes, out);
  };
}

}  // namespace pv2luks
