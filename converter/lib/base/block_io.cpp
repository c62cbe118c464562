#include "base/block_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/aligned_buffer.h"
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
  FdBlockIo(const std::string& path, bool direct_allowed, const BlockIoMode& mode)
      : path_(path), sync_(mode.writable && mode.sync) {
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

  // SEEK_DATA and SEEK_HOLE: what the file system says is allocated. A file
  // system that does not track holes answers "all data", which is sound.
  std::optional<std::vector<ByteExtent>> allocated(const ByteExtent& range) const override {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) Fail() << path_ << ": stat failed: " << errno_text(errno);
    if (!S_ISREG(st.st_mode)) return std::nullopt;
    std::vector<ByteExtent> out;
    for (std::uint64_t at = range.offset_bytes; at < range.end_bytes();) {
      const off_t data = ::lseek(fd_.get(), static_cast<off_t>(at), SEEK_DATA);
      if (data < 0 && errno == ENXIO) break;  // only a hole up to the end of the file
      if (data < 0) fail_seek("SEEK_DATA", at);
      if (static_cast<std::uint64_t>(data) >= range.end_bytes()) break;
      const off_t hole = ::lseek(fd_.get(), data, SEEK_HOLE);
      if (hole < 0) fail_seek("SEEK_HOLE", static_cast<std::uint64_t>(data));
      const std::uint64_t end = std::min<std::uint64_t>(static_cast<std::uint64_t>(hole),
                                                        range.end_bytes());
      out.push_back({static_cast<std::uint64_t>(data), end - static_cast<std::uint64_t>(data)});
      at = end;
    }
    return out;
  }

  void zero(const ByteExtent& range) override {
    if (range.length_bytes == 0) return;
    if (::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                    static_cast<off_t>(range.offset_bytes),
                    static_cast<off_t>(range.length_bytes)) == 0) {
      if (sync_) flush();  // O_DSYNC covers writes, not fallocate
      return;
    }
    if (errno != EOPNOTSUPP && errno != ENOSYS && errno != ENODEV) {
      Fail() << path_ << ": punching a hole of " << range.length_bytes << " bytes at byte "
             << range.offset_bytes << " failed: " << errno_text(errno);
    }
    AlignedBuffer zeros(std::min<std::uint64_t>(range.length_bytes, kZeroWriteBytes));  // zeroed
    for (std::uint64_t at = range.offset_bytes; at < range.end_bytes();) {
      const std::size_t size = std::min<std::uint64_t>(zeros.size(), range.end_bytes() - at);
      write_at(fd_.get(), at, zeros.span().first(size), path_);
      at += size;
    }
  }

 private:
  static constexpr std::uint64_t kZeroWriteBytes = 1024 * 1024;

  [[noreturn]] void fail_seek(const char* whence, std::uint64_t at) const {
    Fail() << path_ << ": lseek " << whence << " from byte " << at << " failed: "
           << errno_text(errno);
  }

  [[noreturn]] void fail_open(const BlockIoMode& mode) const {
    Fail() << path_ << ": open" << (mode.purpose.empty() ? "" : " for " + mode.purpose)
           << (mode.writable ? "" : " (read-only)") << " failed: " << errno_text(errno);
  }

  std::string path_;
  bool sync_;
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
