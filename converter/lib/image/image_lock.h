// Keeps QEMU off a disk image (or device) while pv2luks works on it, by
// QEMU's own locking protocol (block/file-posix.c): for each block-layer
// permission bit p an opener holds (read, write, write-unchanged, resize) it
// takes a shared OFD byte-range lock (fcntl F_OFD_SETLK) on byte 100 + p of
// the image, for each bit it does not share with other users one on byte
// 200 + p, and then tests the bytes that would conflict with it.
//
// Writable: pv2luks takes EXCLUSIVE locks on all those bytes. A running QEMU
// holds at least byte 100, so taking them fails ("in use"); a QEMU that starts
// while the lock is held cannot take its shared lock on byte 100 and refuses
// to open the image. A block device is also opened O_EXCL, which fails while
// it is mounted or held by device-mapper (active LVs) or md.
// Read-only: pv2luks plays a QEMU reader that shares nothing that writes: read
// (100), no sharing of write (201) and resize (203), and refuses when someone
// holds write or resize (101, 103) or does not share reading (200).
//
// The locks belong to the open file description, so other descriptors pv2luks
// opens on the same path and closes again leave them in place; they go when
// the object does.
#pragma once

#include <cstdint>
#include <string>

#include "base/fd.h"

namespace pv2luks {

inline constexpr std::uint64_t kQemuLockPermBase = 100;
inline constexpr std::uint64_t kQemuLockSharedBase = 200;
// Permission bits QEMU has locked in some version: read, write,
// write-unchanged, resize (all QEMU 6.2+ knows), graph-mod (QEMU 6.1 and
// older), zoned (newer QEMU).
inline constexpr std::uint64_t kQemuLockPermBits = 6;

class ImageLock {
 public:
  // Opens `path` (read-write when `writable`) and takes the locks. An Error
  // "PATH is in use by another program (QEMU holds its lock): stop the VM
  // first" when they conflict; "PATH is read-only: ..." when it cannot be
  // opened for writing for that reason.
  ImageLock(const std::string& path, bool writable);

  const std::string& path() const { return path_; }
  // The descriptor holding the locks (read-write when writable).
  int fd() const { return fd_.get(); }

 private:
  std::string path_;
  Fd fd_;
};

}  // namespace pv2luks
