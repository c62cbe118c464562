#include "load/raw_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "common/error.h"
#include "load/raw_target.h"

namespace harness::load {

RawReader::RawReader(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  direct_ = fd >= 0;
  if (fd < 0 && errno == EINVAL) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) open_error_ = "open failed: " + errno_string();
  if (fd >= 0 && !direct_) ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  fd_ = Fd(fd);
}

std::optional<std::string> RawReader::read(std::uint64_t offset_bytes, std::uint64_t size_bytes,
                                           std::string& problem) {
  if (!fd_) {
    problem = open_error_;
    return std::nullopt;
  }
  std::unique_ptr<char, void (*)(void*)> buffer(
      static_cast<char*>(std::aligned_alloc(kRawAlignBytes, size_bytes)), std::free);
  if (!buffer) throw std::bad_alloc();
  std::uint64_t done = 0;
  while (done < size_bytes) {
    const ssize_t n = ::pread(fd_.get(), buffer.get() + done, size_bytes - done,
                              static_cast<off_t>(offset_bytes + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      problem = n < 0 ? "read failed: " + errno_string() : "beyond the end of the target";
      return std::nullopt;
    }
    done += static_cast<std::uint64_t>(n);
  }
  return std::string(buffer.get(), size_bytes);
}

}  // namespace harness::load
