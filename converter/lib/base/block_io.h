// Positioned block I/O: the one layer every reader and writer of a device's
// or an image's bytes goes through (the journal, the movers, the header
// writer, the image code), as cryptsetup's lib/utils_io.c is for it. One
// interface, two implementations:
//   - a file or block device, through a file descriptor (block_io.cpp):
//     pread/pwrite loops that finish short counts and retry EINTR, O_DIRECT
//     where asked and the file allows it, O_DSYNC, fdatasync;
//   - an NBD export, through libnbd (image/nbd_block_io.cpp): qcow2 images,
//     which qemu-storage-daemon exports (image/nbd_export.h).
// A BlockSource is what an image view hands out: each user opens the I/O it
// needs from it (O_DIRECT for the mover, O_DSYNC for the journal, buffered
// for the parsers); the NBD source shares one connection among them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/read_at.h"

namespace pv2luks {

// Bytes [offset_bytes, offset_bytes + length_bytes).
struct ByteExtent {
  std::uint64_t offset_bytes = 0;
  std::uint64_t length_bytes = 0;
  std::uint64_t end_bytes() const { return offset_bytes + length_bytes; }
  bool operator==(const ByteExtent&) const = default;
};

class BlockIo {
 public:
  virtual ~BlockIo() = default;
  // Whole reads and writes at `offset_bytes`; an Error names the file (or
  // image), the offset and the size. Safe to call from several threads.
  virtual void read(std::uint64_t offset_bytes, std::span<std::uint8_t> out) const = 0;
  virtual void write(std::uint64_t offset_bytes, std::span<const std::uint8_t> data) = 0;
  // Makes every completed write durable (fdatasync; an NBD flush).
  virtual void flush() = 0;
  // What to call it in messages.
  virtual const std::string& name() const = 0;
  // The allocated parts of `range`, in order; the rest of it is a hole: it
  // reads as zeros and takes no space. nullopt when this backend cannot
  // tell (a block device; an NBD export without "base:allocation").
  virtual std::optional<std::vector<ByteExtent>> allocated(const ByteExtent& range) const = 0;
  // Makes `range` read as zeros and frees its space where the backend can
  // (a hole punched in a file; an NBD write-zeroes that may trim); writes
  // zeros where it cannot. Offsets and length in whole 4 KiB blocks.
  virtual void zero(const ByteExtent& range) = 0;
};

struct BlockIoMode {
  bool writable = false;
  // O_DIRECT where the file allows it (buffers, offsets and sizes then 4 KiB
  // multiples); no meaning for NBD.
  bool direct = false;
  // Every write durable when it returns (O_DSYNC; NBD's FUA flag, or a flush).
  bool sync = false;
  // For messages: "open for the journal failed".
  std::string purpose;
};

class BlockSource {
 public:
  virtual ~BlockSource() = default;
  // An Error names the file and `mode.purpose` when it cannot be opened.
  virtual std::shared_ptr<BlockIo> open(const BlockIoMode& mode) const = 0;
  // The image or device, for messages.
  virtual const std::string& name() const = 0;
  // The file or block device to hand to other programs (losetup); empty when
  // there is none (an NBD export).
  virtual const std::string& file_path() const = 0;
};

// `path` through file descriptors. `direct_allowed` false: never O_DIRECT.
std::shared_ptr<const BlockSource> file_block_source(const std::string& path,
                                                     bool direct_allowed = true);

// The same loops on a file descriptor the caller opened (and may hold a lock
// on). Errors name `path` and the byte range.
//
// Reads all of `out` at `offset_bytes`, retrying short reads and EINTR; the
// end of the file first is an Error.
void read_at(int fd, std::uint64_t offset_bytes, std::span<std::uint8_t> out,
             const std::string& path);
// Writes all of `data` at `offset_bytes`, retrying short writes and EINTR.
void write_at(int fd, std::uint64_t offset_bytes, std::span<const std::uint8_t> data,
              const std::string& path);
// A ReadAt through `fd` at base_offset_bytes + offset, for the parsers. The
// fd must outlive the ReadAt.
ReadAt fd_read_at(int fd, std::uint64_t base_offset_bytes, std::string path);

}  // namespace pv2luks
