#include "device/block_device.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/block_io.h"
#include "base/errno_text.h"
#include "base/error.h"
#include "base/fd.h"
#include "base/probe_luks.h"

namespace pv2luks {

BlockDevice inspect_block_device(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int error = errno;
    Fail(error == ENOENT ? RefuseReason::kWrongDevice : RefuseReason::kOther)
        << path << ": " << (error == ENOENT ? "no such device" : errno_text(error))
        << "; name the PV's partition or disk, e.g. /dev/sda2";
  }
  if (!S_ISBLK(st.st_mode)) {
    Fail(RefuseReason::kWrongDevice)
        << path << ": not a block device; for a disk image use --offline";
  }
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int error = errno;
    Fail(error == EACCES || error == EPERM ? RefuseReason::kNoPermission : RefuseReason::kOther)
        << path << ": open failed: " << errno_text(error)
        << (error == EACCES || error == EPERM ? " (pv2luks must run as root)" : "");
  }
  BlockDevice device;
  device.path = path;
  device.dev = st.st_rdev;
  int read_only = 0;
  int sector_bytes = 512;
  if (::ioctl(fd.get(), BLKGETSIZE64, &device.size_bytes) != 0 ||
      ::ioctl(fd.get(), BLKROGET, &read_only) != 0 ||
      ::ioctl(fd.get(), BLKSSZGET, &sector_bytes) != 0) {
    Fail() << path << ": reading its size failed: " << errno_text(errno);
  }
  device.read_only = read_only != 0;
  device.logical_sector_bytes = static_cast<std::uint32_t>(sector_bytes);
  return device;
}

bool starts_with_luks_header(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) Fail() << path << ": open failed: " << errno_text(errno);
  const off_t size_bytes = ::lseek(fd.get(), 0, SEEK_END);
  if (size_bytes < 0) Fail() << path << ": reading its size failed: " << errno_text(errno);
  return probe_luks(fd_read_at(fd.get(), 0, path), static_cast<std::uint64_t>(size_bytes)) != 0;
}

DeviceLock::DeviceLock(const BlockDevice& device, const std::string& lock_dir) {
  std::error_code ec;
  std::filesystem::create_directories(lock_dir, ec);
  const std::string path = lock_dir + "/" + std::to_string(major(device.dev)) + ":" +
                           std::to_string(minor(device.dev)) + ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) Fail() << path << ": open failed: " << errno_text(errno);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    const ssize_t got = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    Fail(RefuseReason::kBusy) << device.path << ": another pv2luks is working on this device"
           << (got > 0 ? std::string(" (pid ") + holder + ")" : std::string())
           << "; wait for it to finish, or see 'pv2luks status " << device.path << "'";
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid; only the message would lack it.
  }
}

DeviceLock::~DeviceLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace pv2luks
