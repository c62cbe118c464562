#include "image/sparse_disk.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/errno_text.h"
#include "base/error.h"

namespace pv2luks {
namespace {

// Copied in these pieces, each remembered, so a range copied twice costs
// nothing the second time; a piece of zeros stays a hole.
constexpr std::uint64_t kPieceBytes = 4096;
// Read in blocks of at most this.
constexpr std::uint64_t kBlockBytes = 64 << 10;

}  // namespace

SparseDisk::SparseDisk(const ReadAt& read, std::uint64_t disk_bytes)
    : read_(read), disk_bytes_(disk_bytes), fd_(::memfd_create("pv2luks-table", MFD_CLOEXEC)) {
  if (fd_ < 0) Fail() << "partition table: memfd_create failed: " << errno_text(errno);
  if (::ftruncate(fd_, static_cast<off_t>(disk_bytes)) != 0) {
    const int err = errno;
    ::close(fd_);
    Fail() << "partition table: cannot size a sparse copy of the disk to " << disk_bytes
           << " bytes: " << errno_text(err);
  }
}

SparseDisk::~SparseDisk() { ::close(fd_); }

std::uint64_t SparseDisk::copy_in(std::uint64_t offset_bytes, std::uint64_t size_bytes) {
  if (offset_bytes >= disk_bytes_) return 0;
  const std::uint64_t end = offset_bytes + std::min(size_bytes, disk_bytes_ - offset_bytes);
  static const std::array<std::uint8_t, kPieceBytes> kZeros{};
  std::uint64_t added = 0;
  std::vector<std::uint8_t>& block = block_;
  std::uint64_t at = offset_bytes / kPieceBytes * kPieceBytes;
  while (at < end) {
    if (seen_.count(at / kPieceBytes) != 0) {
      at += kPieceBytes;
      continue;
    }
    // One read for the run of pieces not seen yet (at most kBlockBytes).
    std::uint64_t run_end = at;
    while (run_end < end && run_end - at < kBlockBytes && seen_.count(run_end / kPieceBytes) == 0) {
      run_end += kPieceBytes;
    }
    run_end = std::min(run_end, disk_bytes_);
    block.resize(run_end - at);
    read_(at, block);
    for (std::uint64_t piece = 0; piece < block.size(); piece += kPieceBytes) {
      const std::size_t piece_bytes = std::min<std::uint64_t>(kPieceBytes, block.size() - piece);
      seen_.insert((at + piece) / kPieceBytes);
      if (std::memcmp(block.data() + piece, kZeros.data(), piece_bytes) == 0) continue;
      if (::pwrite(fd_, block.data() + piece, piece_bytes, static_cast<off_t>(at + piece)) !=
          static_cast<ssize_t>(piece_bytes)) {
        Fail() << "partition table: writing the sparse copy of the disk failed: "
               << errno_text(errno);
      }
      added += piece_bytes;
    }
    at = run_end;
  }
  copied_bytes_ += added;
  return added;
}

}  // namespace pv2luks
