#include "image/image_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/error.h"
#include "common/posix_io.h"
#include "common/sha256.h"

namespace harness {

ImageFile ImageFile::create(const std::string& path, std::uint64_t size_bytes) {
  ImageFile file(path, O_RDWR | O_CREAT | O_TRUNC);
  if (::ftruncate(file.fd_, static_cast<off_t>(size_bytes)) != 0) {
    Fail() << path << ": truncate to " << size_bytes << " bytes failed: " << errno_string();
  }
  return file;
}

ImageFile::ImageFile(const std::string& path, int flags) : path_(path) {
  fd_ = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd_ < 0) Fail() << path << ": open failed: " << errno_string();
}

ImageFile::ImageFile(ImageFile&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

ImageFile::~ImageFile() {
  if (fd_ >= 0) ::close(fd_);
}

void ImageFile::write_at(std::uint64_t offset_bytes, const void* data, std::size_t size_bytes) {
  pwrite_all(fd_, static_cast<const char*>(data), size_bytes, offset_bytes, path_);
}

std::size_t ImageFile::read_at(std::uint64_t offset_bytes, void* data, std::size_t size_bytes) {
  auto* bytes = static_cast<char*>(data);
  std::size_t done = 0;
  while (done < size_bytes) {
    const ssize_t got =
        ::pread(fd_, bytes + done, size_bytes - done, static_cast<off_t>(offset_bytes + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      Fail() << path_ << ": read at byte " << offset_bytes + done << " failed: " << errno_string();
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

void ImageFile::zero_at(std::uint64_t offset_bytes, std::uint64_t length_bytes) {
  if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  static_cast<off_t>(offset_bytes), static_cast<off_t>(length_bytes)) == 0) {
    return;
  }
  if (errno != EOPNOTSUPP) {
    Fail() << path_ << ": punching a hole at byte " << offset_bytes
           << " failed: " << errno_string();
  }
  const std::vector<char> zeros(1024 * 1024, 0);
  for (std::uint64_t done = 0; done < length_bytes;) {
    const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), length_bytes - done));
    write_at(offset_bytes + done, zeros.data(), size);
    done += size;
  }
}

void ImageFile::close() {
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) Fail() << path_ << ": close failed: " << errno_string();
}

void ImageFile::sync_and_close() {
  const int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0) {
    const std::string why = errno_string();
    ::close(fd);
    Fail() << path_ << ": fsync failed: " << why;
  }
  if (::close(fd) != 0) Fail() << path_ << ": close failed: " << errno_string();
}

std::string sha256_ranges(const std::string& path, const std::vector<ByteRange>& ranges) {
  ImageFile file(path, O_RDONLY);
  Sha256 sha;
  std::vector<char> buffer(4 * 1024 * 1024);
  for (const ByteRange& range : ranges) {
    for (std::uint64_t done = 0; done < range.length_bytes;) {
      const auto want = static_cast<std::size_t>(
          std::min<std::uint64_t>(buffer.size(), range.length_bytes - done));
      if (file.read_at(range.offset_bytes + done, buffer.data(), want) != want) {
        Fail() << path << ": read at byte " << range.offset_bytes + done
               << " failed: unexpected end of file";
      }
      sha.update(buffer.data(), want);
      done += want;
    }
  }
  return sha.hex();
}

}  // namespace harness
