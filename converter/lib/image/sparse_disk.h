// A sparse in-memory copy of a disk (a memfd as large as the disk, holes
// read as zeros) holding only the byte ranges copied into it: what libblkid
// is given to read a partition table without reading the whole disk, and
// without an fd of the disk itself (a qcow2 image is read through our own
// reader, a fuzz input from memory).
#pragma once

#include <cstdint>

#include "base/read_at.h"

namespace pv2luks {

class SparseDisk {
 public:
  SparseDisk(const ReadAt& read, std::uint64_t disk_bytes);
  ~SparseDisk();
  SparseDisk(const SparseDisk&) = delete;
  SparseDisk& operator=(const SparseDisk&) = delete;

  // Copies the disk's bytes [offset, offset + size) in, clipped to the disk.
  // Returns how many bytes that copied that were not in yet.
  std::uint64_t copy_in(std::uint64_t offset_bytes, std::uint64_t size_bytes);
  int fd() const { return fd_; }
  std::uint64_t size_bytes() const { return disk_bytes_; }
  std::uint64_t copied_bytes() const { return copied_bytes_; }

 private:
  const ReadAt& read_;
  std::uint64_t disk_bytes_;
  std::uint64_t copied_bytes_ = 0;
  int fd_;
};

}  // namespace pv2luks
