#include "image/conversion_lock.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "base/errno_text.h"
#include "base/error.h"

namespace pv2luks {

namespace {

struct flock lock_byte(short type) {
  struct flock range {};
  range.l_type = type;
  range.l_whence = SEEK_SET;
  range.l_start = static_cast<off_t>(kConversionLockByte);
  range.l_len = 1;
  return range;
}

// Who holds what our lock met, in words. OFD locks report no pid (-1);
// classic POSIX locks report their process.
[[noreturn]] void fail_held(int fd, short wanted, const std::string& path) {
  struct flock held = lock_byte(wanted);
  if (::fcntl(fd, F_OFD_GETLK, &held) != 0) {
    Fail() << path << ": lock test of byte " << kConversionLockByte
           << " failed: " << errno_text(errno);
  }
  if (held.l_type == F_UNLCK) {
    Fail(RefuseReason::kBusy) << path << " was held by another pv2luks a moment ago: try again";
  }
  if (held.l_pid > 0) {
    Fail(RefuseReason::kBusy)
        << path << " is locked by another program (pid " << held.l_pid << ", a lock on byte "
        << kConversionLockByte << ", which pv2luks uses): stop it first";
  }
  if (held.l_type == F_WRLCK) {
    Fail(RefuseReason::kBusy)
        << path << " is being converted by another pv2luks (convert or resume): wait for it "
        << "to end, then see 'pv2luks status --offline " << path << "'";
  }
  Fail(RefuseReason::kBusy)
      << path << " is being read by another pv2luks (status, verify or a dry run): wait for "
      << "it to end";
}

}  // namespace

ConversionLock::ConversionLock(const std::string& path, bool writable)
    : fd_(::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC)) {
  if (!fd_) Fail() << path << ": open failed: " << errno_text(errno);
  const short type = writable ? F_WRLCK : F_RDLCK;
  struct flock range = lock_byte(type);
  if (::fcntl(fd_.get(), F_OFD_SETLK, &range) == 0) return;
  if (errno == EAGAIN || errno == EACCES) fail_held(fd_.get(), type, path);
  Fail() << path << ": lock of byte " << kConversionLockByte
         << " failed: " << errno_text(errno);
}

}  // namespace pv2luks
