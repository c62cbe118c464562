#include "common/sha256.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "common/error.h"

namespace harness {

std::uint64_t file_or_device_size_bytes(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail() << path << ": open failed: " << errno_string();
  struct stat st {};
  std::uint64_t size = 0;
  if (::fstat(fd, &st) == 0 && S_ISBLK(st.st_mode)) {
    if (::ioctl(fd, BLKGETSIZE64, &size) != 0) size = 0;
  } else {
    size = static_cast<std::uint64_t>(st.st_size);
  }
  ::close(fd);
  return size;
}

std::string sha256_file_range(const std::string& path, std::uint64_t offset_bytes,
                              std::uint64_t length_bytes) {
  if (offset_bytes == 0 && length_bytes == 0) length_bytes = file_or_device_size_bytes(path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail() << path << ": open failed: " << errno_string();
  Sha256 sha;
  std::vector<char> buffer(4 * 1024 * 1024);
  std::uint64_t done = 0;
  while (done < length_bytes) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), length_bytes - done));
    const ssize_t got = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset_bytes + done));
    if (got <= 0) {
      const std::string why = got < 0 ? errno_string() : "unexpected end of file";
      ::close(fd);
      Fail() << path << ": read at byte " << offset_bytes + done << " failed: " << why;
    }
    sha.update(buffer.data(), static_cast<std::size_t>(got));
    done += static_cast<std::uint64_t>(got);
  }
  ::close(fd);
  return sha.hex();
}

}  // namespace harness
