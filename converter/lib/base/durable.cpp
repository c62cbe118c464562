#include "base/durable.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/errno_text.h"
#include "base/error.h"
#include "base/fd.h"

namespace pv2luks {

void fsync_path(const std::string& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) Fail() << path << ": open failed: " << errno_text(errno);
  if (::fsync(fd.get()) != 0) Fail() << path << ": fsync failed: " << errno_text(errno);
}

void fsync_directory_of(const std::string& path) {
  const std::string directory = std::filesystem::absolute(path).parent_path().string();
  const Fd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) {
    Fail() << directory << ": fsync of the directory failed: " << errno_text(errno);
  }
}

}  // namespace pv2luks
