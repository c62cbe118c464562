#include "base/block_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/errno_text.h"
#include "base/error.h"
#include "base/fd.h"

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
             << " failed: " << errno_text(errno);
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
             << " failed after " << done_bytes << " bytes: " << errno_text(errno);
    }
    if (put == 0) {
      Fail() << path << ": write of " << data.size() << " bytes at byte " << offset_bytes
             << " failed: no progress after " << done_bytes << " bytes";
    }
    done_bytes += static_cast<std::size_t>(put);
  }
}

namespace {

class FdBlockIo final : public BlockIo {
 public:
  FdBlockIo(const std::string& path, bool direct_allowed, const BlockIoMode& mode) : path_(path) {
    int flags = (mode.writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
    if (mode.writable && mode.sync) flags |= O_DSYNC;
    if (direct_allowed && mode.direct) {
      fd_ = Fd(::open(path.c_str(), flags | O_DIRECT));
      // Filesystems without O_DIRECT (tmpfs) say EINVAL: buffered then, and
      // flush() (or O_DSYNC) makes it durable.
      if (!fd_ && errno != EINVAL) fail_open(mode);
    }
    if (!fd_) fd_ = Fd(::open(path.c_str(), flags));
    if (!fd_) fail_open(mode);
  }

  void read(std::uint64_t offset_bytes, std::span<std::uint8_t> out) const override {
    read_at(fd_.get(), offset_bytes, out, path_);
  }

  void write(std::uint64_t offset_bytes, std::span<const std::uint8_t> data) override {
    write_at(fd_.get(), offset_bytes, data, path_);
  }

  void flush() override {
    if (::fdatasync(fd_.get()) != 0) Fail() << path_ << ": fdatasync failed: " << errno_text(errno);
  }

  const std::string& name() const override { return path_; }

 private:
  [[noreturn]] void fail_open(const BlockIoMode& mode) const {
    Fail() << path_ << ": open" << (mode.purpose.empty() ? "" : " for " + mode.purpose)
           << (mode.writable ? "" : " (read-only)") << " failed: " << errno_text(errno);
  }

  std::string path_;
  Fd fd_;
};

class FileSource final : public BlockSource {
 public:
  FileSource(const std::string& path, bool direct_allowed)
      : path_(path), direct_allowed_(direct_allowed) {}
  std::shared_ptr<BlockIo> open(const BlockIoMode& mode) const override {
    return std::make_shared<FdBlockIo>(path_, direct_allowed_, mode);
  }
  const std::string& name() const override { return path_; }
  const std::string& file_path() const override { return path_; }

 private:
  std::string path_;
  bool direct_allowed_;
};

}  // namespace

std::shared_ptr<const BlockSource> file_block_source(const std::string& path, bool direct_allowed) {
  return std::make_shared<FileSource>(path, direct_allowed);
}

}  // namespace pv2luks
