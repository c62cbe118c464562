// BlockIo over NBD connections (libnbd), for the raw disk that
// qemu-storage-daemon exports from a qcow2 image (nbd_export.h). Two
// connections serve every BlockIo opened from a source: one for reads, one
// for writes and flushes. libnbd's handle is thread-safe but takes one
// command at a time, so the mover's read of the next chunk (on another
// thread) and its write of this one only overlap on two connections. Both
// reach the same QEMU block node, so a read sees every write that
// completed, and a flush covers every write (all on the writer).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/block_io.h"

struct nbd_handle;

namespace pv2luks {

struct NbdLibrary;

class NbdConnection {
 public:
  // Takes `handle`, connected and ready; `name` is the image, for messages.
  NbdConnection(nbd_handle* handle, std::string name);
  ~NbdConnection();
  NbdConnection(const NbdConnection&) = delete;
  NbdConnection& operator=(const NbdConnection&) = delete;

  void read(std::uint64_t offset_bytes, std::span<std::uint8_t> out) const;
  // `durable`: the write is on stable storage when this returns (NBD's FUA
  // flag where the server has it, else a flush after it).
  void write(std::uint64_t offset_bytes, std::span<const std::uint8_t> data, bool durable);
  void flush();
  // The allocated parts of `range` ("base:allocation" block status: what is
  // not a hole); nullopt when the server did not agree to that context.
  std::optional<std::vector<ByteExtent>> allocated(const ByteExtent& range) const;
  // NBD write-zeroes that may trim (qemu then frees the qcow2 clusters where
  // its export allows discards); zeros written when the server has no
  // write-zeroes. `durable` as for write().
  void zero(const ByteExtent& range, bool durable);
  std::uint64_t size_bytes() const;
  // Tells the server we are done (after a flush); later I/O fails.
  void shutdown();
  const std::string& name() const { return name_; }

 private:
  const NbdLibrary& nbd_;  // loaded (nbd_library.h) before any handle exists
  nbd_handle* handle_;
  std::string name_;
  bool can_fua_ = false;
  bool can_zero_ = false;
  bool can_block_status_ = false;
};

std::shared_ptr<const BlockSource> nbd_block_source(std::shared_ptr<NbdConnection> reader,
                                                    std::shared_ptr<NbdConnection> writer);

}  // namespace pv2luks
