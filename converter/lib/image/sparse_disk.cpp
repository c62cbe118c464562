#include "image/sparse_disk.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/error.h"

namespace pv2luks {
namespace {

// Copied in these pieces, each remembered, so a range copied twice costs
// nothing the second time.
constexpr std::uint64_t kPieceBytes = 4096;

}  // namespace

SparseDisk::SparseDisk(const ReadAt& read, std::uint64_t disk_bytes)
    : read_(read), disk_bytes_(disk_bytes), fd_(::memfd_create("pv2luks-table", MFD_CLOEXEC)) {
  if (fd_ < 0) Fail() << "partition table: memfd_create failed: " << std::strerror(errno);
  if (::ftruncate(fd_, static_cast<off_t>(disk_bytes)) != 0) {
    const int err = errno;
    ::close(fd_);
    Fail() << "partition table: cannot size a sparse copy of the disk to " << disk_bytes
           << " bytes: " << std::strerror(err);
  }
}

SparseDisk::~SparseDisk() { ::close(fd_); }

std::uint64_t SparseDisk::copy_in(std::uint64_t offset_bytes, std::uint64_t size_bytes) {
  if (offset_bytes >= disk_bytes_) return 0;
  const std::uint64_t end = offset_bytes + std::min(size_bytes, disk_bytes_ - offset_bytes);
  std::uint64_t added = 0;
  std::vector<std::uint8_t> piece;
  for (std::uint64_t at = offset_bytes / kPieceBytes * kPieceBytes; at < end; at += kPieceBytes) {
    const std::uint64_t piece_bytes = std::min(kPieceBytes, disk_bytes_ - at);
    // A piece already copied has its first byte's page allocated: SEEK_DATA finds it.
    const off_t data = ::lseek(fd_, static_cast<off_t>(at), SEEK_DATA);
    if (data == static_cast<off_t>(at)) continue;
    piece.assign(piece_bytes, 0);
    read_(at, piece);
    if (std::all_of(piece.begin(), piece.end(), [](std::uint8_t b) { return b == 0; })) {
      continue;  // a hole reads as zeros already
    }
    if (::pwrite(fd_, piece.data(), piece.size(), static_cast<off_t>(at)) !=
        static_cast<ssize_t>(piece.size())) {
      Fail() << "partition table: writing the sparse copy of the disk failed: "
             << std::strerror(errno);
    }
    added += piece_bytes;
  }
  copied_bytes_ += added;
  return added;
}

}  // namespace pv2luks
