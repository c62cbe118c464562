#include "lvm/vg_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/errno_text.h"
#include "base/error.h"
#include "base/key_value.h"
#include "base/process.h"

namespace pv2luks {
namespace {

std::string locking_dir() {
  const ProcessResult result =
      run_process({"lvmconfig", "--typeconfig", "full", "global/locking_dir"});
  const std::string dir = key_value(result.out, "locking_dir");
  return dir.empty() ? "/run/lock/lvm" : dir;
}

bool same_file(int fd, const std::string& path) {
  struct stat open_file {};
  struct stat named {};
  return ::fstat(fd, &open_file) == 0 && ::stat(path.c_str(), &named) == 0 &&
         open_file.st_dev == named.st_dev && open_file.st_ino == named.st_ino;
}

}  // namespace

VgLock::VgLock(const std::string& vg) {
  const std::string dir = locking_dir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = dir + "/V_" + vg;
  // The lvm tools may unlink a lock file they are done with: a lock is only
  // good on the file that still has the name.
  for (;;) {
    fd_ = ::open(path.c_str(), O_CREAT | O_APPEND | O_RDWR | O_CLOEXEC, 0777);
    if (fd_ < 0) Fail() << path << ": cannot open LVM's lock file: " << errno_text(errno);
    if (::flock(fd_, LOCK_EX) != 0) {
      const int error = errno;
      ::close(fd_);
      Fail() << path << ": cannot take LVM's lock: " << errno_text(error);
    }
    if (same_file(fd_, path)) return;
    ::close(fd_);
  }
}

VgLock::~VgLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace pv2luks
