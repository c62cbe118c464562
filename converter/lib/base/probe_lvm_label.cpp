#include "base/probe_lvm_label.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "base/sector.h"

namespace pv2luks {

namespace {

// label_header: id[8], sector u64 (little-endian), crc u32, offset u32, type[8].
constexpr char kLabelId[] = "LABELONE";
constexpr std::size_t kLabelSectorAt = 8;
constexpr char kLabelType[] = "LVM2 001";
constexpr std::size_t kLabelTypeAt = 24;
constexpr std::size_t kTagBytes = 8;

std::uint64_t le64(const std::uint8_t* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = value << 8 | bytes[i];
  return value;
}

bool holds_label(const std::uint8_t* sector_bytes, std::uint64_t sector) {
  return std::memcmp(sector_bytes, kLabelId, kTagBytes) == 0 &&
         le64(sector_bytes + kLabelSectorAt) == sector &&
         std::memcmp(sector_bytes + kLabelTypeAt, kLabelType, kTagBytes) == 0;
}

}  // namespace

std::optional<std::uint64_t> find_lvm_label(std::span<const std::uint8_t> head) {
  for (std::uint64_t sector = 0; sector < kLvmLabelScanSectors; ++sector) {
    if ((sector + 1) * kSectorBytes > head.size()) break;
    if (holds_label(head.data() + sector * kSectorBytes, sector)) return sector;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> probe_lvm_label(const ReadAt& read, std::uint64_t size_bytes) {
  std::vector<std::uint8_t> head(std::min(size_bytes, kLvmLabelScanSectors * kSectorBytes));
  read(0, head);
  return find_lvm_label(head);
}

}  // namespace pv2luks
