#include "image/fd_io.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace pv2luks {

void read_at(int fd, std::uint64_t offset_bytes, std::span<std::uint8_t> out,
             const std::string& path) {
  std::size_t done_bytes = 0;
  while (done_bytes < out.size()) {
    const ssize_t got = ::pread(fd, out.data() + done_bytes, out.size() - done_bytes,
                                static_cast<off_t>(offset_bytes + done_bytes));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      Fail() << path << ": read of " << out.size() << " bytes at byte " << offset_bytes
             << " failed: " << std::strerror(errno);
    }
    if (got == 0) {
      Fail() << path << ": read of " << out.size() << " bytes at byte " << offset_bytes
             << " failed: unexpected end of file after " << done_bytes << " bytes";
    }
    done_bytes += static_cast<std::size_t>(got);
  }
}

ReadAt fd_read_at(int fd, std::uint64_t base_offset_bytes, std::string path) {
  return [fd, base_offset_bytes, path = std::move(path)](std::uint64_t offset_bytes,
                                                         std::span<std::uint8_t> out) {
    read_at(fd, base_offset_bytes + offset_bytes, out, path);
  };
}

void write_at(int fd, std::uint64_t offset_bytes, std::span<const std::uint8_t> data,
              const std::string& path) {
  std::size_t done_bytes = 0;
  while (done_bytes < data.size()) {
    const ssize_t put = ::pwrite(fd, data.data() + done_bytes, data.size() - done_bytes,
                                 static_cast<off_t>(offset_bytes + done_bytes));
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) {
      Fail() << path << ": write of " << data.size() << " bytes at byte " << offset_bytes
             << " failed after " << done_bytes << " bytes: " << std::strerror(errno);
    }
    if (put == 0) {
      Fail() << path << ": write of " << data.size() << " bytes at byte " << offset_bytes
             << " failed: no progress after " << done_bytes << " bytes";
    }
    done_bytes += static_cast<std::size_t>(put);
  }
}

}  // namespace pv2luks
