#include "offline/range_file.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/error.h"
#include "luks/error.h"

namespace pv2luks {

namespace {

Fd open_file(const std::string& path, int flags) {
  Fd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd) Fail() << path << ": open failed: " << errno_text(errno);
  return fd;
}

void pread_all(int fd, const std::string& path, std::uint64_t at, std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = ::pread(fd, out.data() + done, out.size() - done,
                                static_cast<off_t>(at + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) Fail() << path << ": read at byte " << at + done << " failed: " << errno_text(errno);
    if (got == 0) Fail() << path << ": read at byte " << at + done << " failed: unexpected end of file";
    done += static_cast<std::size_t>(got);
  }
}

}  // namespace

RangeFile::RangeFile(const ByteRange& range, bool writable) : range_(range) {
  const int mode = writable ? O_RDWR : O_RDONLY;
  if (range.direct_io) {
    fd_ = Fd(::open(range.path.c_str(), mode | O_DIRECT | O_CLOEXEC));
    // Filesystems without O_DIRECT (tmpfs) say EINVAL: buffered, with fdatasync.
    if (!fd_ && errno != EINVAL) Fail() << range.path << ": open failed: " << errno_text(errno);
  }
  if (!fd_) fd_ = open_file(range.path, mode);
  buffered_fd_ = open_file(range.path, O_RDONLY);
}

void RangeFile::check_inside(std::uint64_t offset_bytes, std::size_t size, const char* what) const {
  if (offset_bytes > range_.size_bytes || size > range_.size_bytes - offset_bytes) {
    Fail() << range_.path << ": " << what << " of " << size << " bytes at " << offset_bytes
           << " runs past the PV's device (" << range_.size_bytes << " bytes)";
  }
}

void RangeFile::read(std::uint64_t offset_bytes, std::span<std::uint8_t> out) const {
  check_inside(offset_bytes, out.size(), "a read");
  pread_all(fd_.get(), range_.path, range_.offset_bytes + offset_bytes, out);
}

void RangeFile::write(std::uint64_t offset_bytes, std::span<const std::uint8_t> data) {
  check_inside(offset_bytes, data.size(), "a write");
  const std::uint64_t at = range_.offset_bytes + offset_bytes;
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t wrote = ::pwrite(fd_.get(), data.data() + done, data.size() - done,
                                   static_cast<off_t>(at + done));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      Fail() << range_.path << ": write at byte " << at + done << " failed: " << errno_text(errno);
    }
    done += static_cast<std::size_t>(wrote);
  }
}

void RangeFile::sync() {
  if (::fdatasync(fd_.get()) != 0) Fail() << range_.path << ": fdatasync failed: " << errno_text(errno);
}

ReadAt RangeFile::reader() const {
  return [this](std::uint64_t offset_bytes, std::span<std::uint8_t> out) {
    check_inside(offset_bytes, out.size(), "a read");
    pread_all(buffered_fd_.get(), range_.path, range_.offset_bytes + offset_bytes, out);
  };
}

}  // namespace pv2luks
