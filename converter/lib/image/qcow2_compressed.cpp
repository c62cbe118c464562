#include "image/qcow2_compressed.h"

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "base/error.h"
#include "image/big_endian.h"

namespace pv2luks {

namespace {

constexpr std::uint64_t kL1ReadEntries = 8192;  // the L1 table is read 64 KiB at a time
constexpr std::uint64_t kL1MaxEntries = (32 << 20) / kQcow2L1EntryBytes;  // QEMU's QCOW_MAX_L1_SIZE
// L1 entry: bits 9-55 the L2 table's offset, bit 63 "copied"; the rest reserved.
constexpr std::uint64_t kL1OffsetMask = 0x00fffffffffffe00ULL;
constexpr std::uint64_t kL1ReservedMask = ~(kL1OffsetMask | (std::uint64_t{1} << 63));
constexpr std::uint64_t kL2CompressedBit = std::uint64_t{1} << 62;

[[noreturn]] void fail_damaged(const std::string& path, const std::string& why) {
  Fail() << path << ": its cluster tables are damaged (" << why << "); `qemu-img check " << path
         << "` tells more";
}

struct Geometry {
  std::uint64_t cluster_bytes;
  std::uint64_t l2_entry_bytes;  // 16 with extended L2 entries (subclusters)
  std::uint64_t l2_entries;
  std::uint64_t l1_entries_used;  // those the virtual disk needs
};

Geometry geometry_of(const Qcow2Header& header, const std::string& path) {
  Geometry g{};
  g.cluster_bytes = std::uint64_t{1} << header.cluster_bits;
  g.l2_entry_bytes = (header.incompatible_features & kQcow2ExtendedL2Bit) ? 16 : 8;
  g.l2_entries = g.cluster_bytes / g.l2_entry_bytes;
  const std::uint64_t bytes_per_l2 = g.l2_entries * g.cluster_bytes;
  g.l1_entries_used = header.size_bytes / bytes_per_l2 + (header.size_bytes % bytes_per_l2 != 0);
  if (header.l1_size > kL1MaxEntries) {
    fail_damaged(path, "an L1 table of " + std::to_string(header.l1_size) + " entries, more "
                 "than QEMU allows");
  }
  if (g.l1_entries_used > header.l1_size) {
    fail_damaged(path, "an L1 table of " + std::to_string(header.l1_size) + " entries for a disk "
                 "that needs " + std::to_string(g.l1_entries_used));
  }
  return g;
}

// The L2 table's offset in L1 entry `entry` (0: none), checked.
std::uint64_t l2_offset_of(std::uint64_t entry, std::uint64_t index, const Geometry& g,
                           std::uint64_t file_size_bytes, const std::string& path) {
  const std::string where = "L1 entry " + std::to_string(index);
  if (entry & kL1ReservedMask) fail_damaged(path, where + " has reserved bits set");
  const std::uint64_t offset = entry & kL1OffsetMask;
  if (offset == 0) return 0;
  if (offset % g.cluster_bytes != 0) {
    fail_damaged(path, where + ": an L2 table at byte " + std::to_string(offset) +
                       ", not on a cluster boundary");
  }
  if (offset > file_size_bytes || file_size_bytes - offset < g.cluster_bytes) {
    fail_damaged(path, where + ": an L2 table at byte " + std::to_string(offset) +
                       ", past the end of the file (" + std::to_string(file_size_bytes) +
                       " bytes)");
  }
  return offset;
}

}  // namespace

CompressedClusters find_compressed_clusters(const ReadAt& read, const Qcow2Header& header,
                                            std::uint64_t file_size_bytes,
                                            const std::string& path) {
  const Geometry g = geometry_of(header, path);
  if (g.l1_entries_used != 0 &&
      (header.l1_table_offset > file_size_bytes ||
       (file_size_bytes - header.l1_table_offset) / kQcow2L1EntryBytes < g.l1_entries_used)) {
    fail_damaged(path, "the L1 table runs past the end of the file");
  }
  CompressedClusters found;
  std::unordered_set<std::uint64_t> walked;
  std::vector<std::uint8_t> l1(std::min(g.l1_entries_used, kL1ReadEntries) * kQcow2L1EntryBytes);
  std::vector<std::uint8_t> l2(g.cluster_bytes);
  for (std::uint64_t first = 0; first < g.l1_entries_used; first += kL1ReadEntries) {
    const std::uint64_t entries = std::min(kL1ReadEntries, g.l1_entries_used - first);
    const std::span<std::uint8_t> part(l1.data(), entries * kQcow2L1EntryBytes);
    read(header.l1_table_offset + first * kQcow2L1EntryBytes, part);
    for (std::uint64_t i = 0; i < entries; ++i) {
      const std::uint64_t l2_offset =
          l2_offset_of(be64(part, i * kQcow2L1EntryBytes), first + i, g, file_size_bytes, path);
      if (l2_offset == 0 || !walked.insert(l2_offset).second) continue;
      read(l2_offset, l2);
      for (std::uint64_t j = 0; j < g.l2_entries; ++j) {
        if (!(be64(l2, j * g.l2_entry_bytes) & kL2CompressedBit)) continue;
        if (found.count++ == 0) {
          found.first_guest_offset_bytes = ((first + i) * g.l2_entries + j) * g.cluster_bytes;
        }
      }
    }
  }
  return found;
}

}  // namespace pv2luks
