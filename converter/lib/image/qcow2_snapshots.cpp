#include "image/qcow2_snapshots.h"

#include <array>

#include "base/error.h"
#include "image/big_endian.h"

namespace pv2luks {

namespace {

constexpr std::uint64_t kEntryFixedBytes = 40;
constexpr std::uint64_t kEntryAlignBytes = 8;

[[noreturn]] void fail_damaged(const std::string& path, std::uint32_t index,
                               const std::string& why) {
  Fail() << path << ": its snapshot table is damaged (snapshot " << index + 1 << ": " << why
         << "); `qemu-img check " << path << "` tells more";
}

// `length` bytes at `offset`, when they lie within the file.
std::string read_text(const ReadAt& read, std::uint64_t offset, std::uint64_t length) {
  std::string text(length, '\0');
  if (length != 0) {
    read(offset, std::span(reinterpret_cast<std::uint8_t*>(text.data()), text.size()));
  }
  return text;
}

}  // namespace

std::vector<Qcow2Snapshot> read_qcow2_snapshots(const ReadAt& read, const Qcow2Header& header,
                                                std::uint64_t file_size_bytes,
                                                const std::string& path) {
  std::vector<Qcow2Snapshot> snapshots;
  if (header.nb_snapshots == 0) return snapshots;
  if (header.nb_snapshots > kQcow2MaxSnapshots) {
    Fail() << path << ": its header counts " << header.nb_snapshots << " snapshots, more than "
           << "QEMU allows (" << kQcow2MaxSnapshots << "); the image is damaged";
  }
  std::uint64_t offset = header.snapshots_offset;
  for (std::uint32_t i = 0; i < header.nb_snapshots; ++i) {
    if (offset > file_size_bytes || file_size_bytes - offset < kEntryFixedBytes) {
      fail_damaged(path, i, "it lies past the end of the file");
    }
    std::array<std::uint8_t, kEntryFixedBytes> fixed{};
    read(offset, fixed);
    const std::uint64_t id_bytes = be16(fixed, 12);
    const std::uint64_t name_bytes = be16(fixed, 14);
    const std::uint64_t extra_bytes = be32(fixed, 36);
    if (extra_bytes > kQcow2MaxSnapshotExtraBytes) {
      fail_damaged(path, i, std::to_string(extra_bytes) + " bytes of extra data, more than QEMU "
                   "allows");
    }
    const std::uint64_t length = kEntryFixedBytes + extra_bytes + id_bytes + name_bytes;
    if (file_size_bytes - offset < length) fail_damaged(path, i, "it runs past the end of the file");
    const std::uint64_t id_at = offset + kEntryFixedBytes + extra_bytes;
    snapshots.push_back({read_text(read, id_at, id_bytes),
                         read_text(read, id_at + id_bytes, name_bytes)});
    offset += (length + kEntryAlignBytes - 1) / kEntryAlignBytes * kEntryAlignBytes;
  }
  return snapshots;
}

}  // namespace pv2luks
