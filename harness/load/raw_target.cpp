#include "load/raw_target.h"

#include <fcntl.h>

#include <cerrno>
#include <cstdlib>
#include <span>

#include "common/error.h"
#include "common/sha256.h"
#include "common/size.h"
#include "load/stamp.h"

namespace harness::load {
namespace {

// O_DIRECT where the target supports it (tmpfs does not); O_DSYNC always.
Fd open_raw(const std::string& path, bool& direct) {
  int fd = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_DSYNC | O_CLOEXEC);
  direct = fd >= 0 || errno != EINVAL;
  if (fd < 0 && errno == EINVAL) fd = ::open(path.c_str(), O_WRONLY | O_DSYNC | O_CLOEXEC);
  if (fd < 0) Fail(kExitUsage) << "--raw " << path << ": open failed: " << errno_string();
  return Fd(fd);
}

char* aligned_buffer(std::uint64_t size_bytes) {
  void* memory = std::aligned_alloc(kRawAlignBytes, size_bytes);
  if (!memory) throw std::bad_alloc();
  return static_cast<char*>(memory);
}

}  // namespace

std::uint64_t device_tag(const std::string& path) {
  return std::stoull(sha256_hex(path).substr(0, 16), nullptr, 16);
}

RawTarget::RawTarget(const std::string& path, std::uint64_t block_size_bytes,
                     std::uint64_t span_bytes)
    : path_(path),
      block_size_bytes_(block_size_bytes),
      tag_(device_tag(path)),
      fd_(open_raw(path, direct_)),
      buffer_(aligned_buffer(block_size_bytes), std::free) {
  const std::uint64_t size_bytes = file_or_device_size_bytes(path);
  if (span_bytes == 0) span_bytes = size_bytes;
  if (span_bytes > size_bytes) {
    Fail(kExitUsage) << "--raw " << path << ": --raw-span " << format_size(span_bytes)
                     << " is larger than the target (" << format_size(size_bytes) << ")";
  }
  blocks_ = span_bytes / block_size_bytes;
  if (blocks_ == 0) {
    Fail(kExitUsage) << "--raw " << path << ": span of " << format_size(span_bytes)
                     << " holds no whole " << format_size(block_size_bytes) << " block";
  }
}

std::string RawTarget::write(std::uint64_t seed, std::uint64_t block, std::uint64_t sequence) {
  const Stamp stamp{StampKind::kRawBlock, seed, tag_, block, sequence, block_size_bytes_};
  const std::string sha256 = write_stamp(stamp, std::span<char>(buffer_.get(), block_size_bytes_));
  pwrite_all(fd_.get(), buffer_.get(), block_size_bytes_, block * block_size_bytes_, path_);
  return sha256;
}

}  // namespace harness::load
