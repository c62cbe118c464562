#include "image/image_lock.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "base/errno_text.h"
#include "base/error.h"

namespace pv2luks {

namespace {

// The block-layer permission bits, as QEMU numbers them.
constexpr std::uint64_t kPermRead = 0;
constexpr std::uint64_t kPermWrite = 1;
constexpr std::uint64_t kPermResize = 3;

[[noreturn]] void fail_in_use(const std::string& path) {
  Fail(RefuseReason::kBusy)
      << path << " is in use by another program (QEMU holds its lock): stop the VM first";
}

struct flock byte_range(short type, std::uint64_t start, std::uint64_t length) {
  struct flock range {};
  range.l_type = type;
  range.l_whence = SEEK_SET;
  range.l_start = static_cast<off_t>(start);
  range.l_len = static_cast<off_t>(length);
  return range;
}

void set_lock(int fd, short type, std::uint64_t start, std::uint64_t length,
              const std::string& path) {
  struct flock range = byte_range(type, start, length);
  if (::fcntl(fd, F_OFD_SETLK, &range) == 0) return;
  if (errno == EAGAIN || errno == EACCES) fail_in_use(path);
  Fail() << path << ": lock of bytes " << start << "-" << start + length - 1
         << " failed: " << errno_text(errno);
}

// True when someone else holds a lock that an exclusive lock on the byte would meet.
bool byte_held_elsewhere(int fd, std::uint64_t byte, const std::string& path) {
  struct flock range = byte_range(F_WRLCK, byte, 1);
  if (::fcntl(fd, F_OFD_GETLK, &range) != 0) {
    Fail() << path << ": lock test of byte " << byte << " failed: " << errno_text(errno);
  }
  return range.l_type != F_UNLCK;
}

bool is_block_device(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISBLK(st.st_mode);
}

Fd open_for_lock(const std::string& path, bool writable) {
  const int flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
  Fd fd(::open(path.c_str(), flags));
  if (!fd && writable && (errno == EROFS || errno == EACCES || errno == EPERM)) {
    Fail(RefuseReason::kNoPermission)
        << path << " is read-only: open for writing failed: " << errno_text(errno);
  }
  if (!fd) Fail(errno == ENOENT ? RefuseReason::kWrongDevice : RefuseReason::kOther)
      << path << ": open failed: " << errno_text(errno);
  if (!writable || !is_block_device(fd.get())) return fd;
  // O_EXCL on a block device claims it: it fails while the kernel has it
  // mounted or a dm/md device sits on it.
  Fd exclusive(::open(path.c_str(), flags | O_EXCL));
  if (!exclusive && errno == EBUSY) {
    Fail(RefuseReason::kBusy)
        << path << " is in use (mounted, or held by device-mapper such as active LVs, or md): "
        << "unmount it and deactivate its volume groups first";
  }
  if (!exclusive) Fail() << path << ": exclusive open failed: " << errno_text(errno);
  return exclusive;
}

}  // namespace

ImageLock::ImageLock(const std::string& path, bool writable)
    : path_(path), fd_(open_for_lock(path, writable)) {
  const int fd = fd_.get();
  if (writable) {
    set_lock(fd, F_WRLCK, kQemuLockPermBase, kQemuLockPermBits, path);
    set_lock(fd, F_WRLCK, kQemuLockSharedBase, kQemuLockPermBits, path);
    return;
  }
  // First our own locks, then the test, as QEMU does: of two openers racing,
  // at least one sees the other.
  set_lock(fd, F_RDLCK, kQemuLockPermBase + kPermRead, 1, path);
  set_lock(fd, F_RDLCK, kQemuLockSharedBase + kPermWrite, 1, path);
  set_lock(fd, F_RDLCK, kQemuLockSharedBase + kPermResize, 1, path);
  for (std::uint64_t byte : {kQemuLockPermBase + kPermWrite, kQemuLockPermBase + kPermResize,
                             kQemuLockSharedBase + kPermRead}) {
    if (byte_held_elsewhere(fd, byte, path)) fail_in_use(path);
  }
}

}  // namespace pv2luks
