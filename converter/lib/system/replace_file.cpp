#include "system/replace_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/error.h"
#include "base/fd.h"
#include "base/errno_text.h"

namespace pv2luks {

namespace {

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) Fail() << path << ": write failed: " << errno_text(errno);
    done += static_cast<std::size_t>(wrote);
  }
}

}  // namespace

void replace_file(const std::string& path, const std::string& text, mode_t mode) {
  const std::filesystem::path target(path);
  const std::string temporary = path + ".pv2luks-new";
  Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) Fail() << temporary << ": cannot create it: " << errno_text(errno);
  try {
    write_all(fd.get(), text, temporary);
    if (::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0) {
      Fail() << temporary << ": " << errno_text(errno);
    }
  } catch (const Error&) {
    ::unlink(temporary.c_str());
    throw;
  }
  fd = Fd();
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    Fail() << path << ": rename failed: " << errno_text(error);
  }
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd) ::fsync(dir_fd.get());
}

}  // namespace pv2luks
