#include "common/posix_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

namespace harness {

Fd open_or_fail(const std::filesystem::path& path, int flags, int exit_code, int mode) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) Fail(exit_code) << path.string() << ": open failed: " << errno_string();
  return Fd(fd);
}

void check_writable_directory(const std::filesystem::path& dir, const std::string& what) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    Fail(kExitUsage) << what << " " << dir.string() << ": not a directory"
                     << (error ? ": " + error.message() : "");
  }
  const std::filesystem::path probe = dir / ".load-probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    Fail(kExitUsage) << what << " " << dir.string() << ": not writable: " << errno_string();
  ::close(fd);
  ::unlink(probe.c_str());
}

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t done = ::write(fd, data.data(), data.size());
    if (done < 0 && errno == EINTR) continue;
    if (done <= 0) Fail() << path.string() << ": write failed: " << errno_string();
    data.remove_prefix(static_cast<std::size_t>(done));
  }
}

void pwrite_all(int fd, const char* data, std::size_t size_bytes, std::uint64_t offset_bytes,
                const std::string& path) {
  std::size_t done = 0;
  while (done < size_bytes) {
    const ssize_t n =
        ::pwrite(fd, data + done, size_bytes - done, static_cast<off_t>(offset_bytes + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Fail() << path << ": write at byte " << offset_bytes + done
             << " failed: " << (n < 0 ? errno_string() : "no progress");
    }
    done += static_cast<std::size_t>(n);
  }
}

void fsync_or_fail(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) Fail() << path.string() << ": fsync failed: " << errno_string();
}

void fsync_directory(const std::filesystem::path& dir) {
  const Fd fd = open_or_fail(dir, O_RDONLY | O_DIRECTORY, kExitFailure);
  fsync_or_fail(fd.get(), dir);
}

std::optional<std::string> read_file_uncached(const std::filesystem::path& path) {
  const int raw_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw_fd < 0 && errno == ENOENT) return std::nullopt;
  if (raw_fd < 0) Fail() << path.string() << ": open failed: " << errno_string();
  const Fd fd(raw_fd);
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Fail() << path.string() << ": read failed: " << errno_string();
    if (n == 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  return data;
}

}  // namespace harness
