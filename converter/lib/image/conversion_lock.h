// One pv2luks at a time on an image or device, told apart from QEMU.
//
// A conversion (convert, resume) holds an exclusive OFD lock (fcntl
// F_OFD_SETLK) on byte kConversionLockByte of the image; a reader (status,
// verify, a dry run) a shared one. QEMU's locks are on bytes 100 + p and
// 200 + p (image_lock.h), never on this byte, so this lock neither meets a
// QEMU nor the qcow2 export's daemon, which takes QEMU's locks for us.
// ImageView takes it before QEMU's locks: a second pv2luks is then told that
// a pv2luks conversion holds the image, instead of "QEMU holds its lock".
//
// The lock belongs to the open file description: it goes when the object
// does, or with the process (a SIGKILL too).
#pragma once

#include <cstdint>
#include <string>

#include "base/fd.h"

namespace pv2luks {

inline constexpr std::uint64_t kConversionLockByte = 300;

class ConversionLock {
 public:
  // Opens `path` (read-write when `writable`) and takes the lock. Errors:
  // "PATH is being converted by another pv2luks ..." (someone holds it
  // exclusively), "PATH is being read by another pv2luks ..." (a writer
  // meets a reader), "PATH is locked by another program (pid N) ..." (a
  // classic POSIX lock on the byte).
  ConversionLock(const std::string& path, bool writable);

 private:
  Fd fd_;
};

}  // namespace pv2luks
