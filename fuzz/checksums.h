// Checksums a fuzz target recomputes in its input before parsing, so that
// mutations reach past the checksum checks into the fields they protect:
// the SHA-256 of a journal record, LVM's CRCs of its label, metadata area
// headers and metadata text, and GPT's CRC32s of its headers and entry
// arrays. Each target decides from a flag byte whether to do it, so inputs
// with wrong checksums are parsed too.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "base/crc32.h"
#include "base/sha256.h"
#include "journal/record.h"

namespace pv2luks::fuzz {

inline std::uint64_t get_le(std::span<const std::uint8_t> bytes, std::size_t at, int width) {
  std::uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) value = (value << 8) | bytes[at + i];
  return value;
}

inline void put_le(std::span<std::uint8_t> bytes, std::size_t at, std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i) bytes[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

// A journal record's last 32 bytes: the SHA-256 of the bytes before them.
inline void seal_journal_record(std::span<std::uint8_t> slot) {
  if (slot.size() < kJournalRecordBytes) return;
  constexpr std::size_t kSumAt = kJournalRecordBytes - 32;
  const auto sum = sha256_digest(std::string_view(reinterpret_cast<const char*>(slot.data()), kSumAt));
  std::memcpy(slot.data() + kSumAt, sum.data(), sum.size());
}

// The LVM metadata area header at `at` of `image`: slot 0's text checksum
// (the text may wrap to the area's first byte after its header), then the
// header's own. Texts past the image or over 1 MiB are left alone.
inline void fix_lvm_metadata_area(std::vector<std::uint8_t>& image, std::uint64_t at) {
  constexpr std::uint64_t kHeaderBytes = 512;
  if (at > image.size() || image.size() - at < kHeaderBytes) return;
  const std::span<std::uint8_t> header(image.data() + at, kHeaderBytes);
  const std::uint64_t mda_size = get_le(header, 32, 8);
  const std::uint64_t offset = get_le(header, 40, 8);
  const std::uint64_t size = get_le(header, 48, 8);
  if (offset >= kHeaderBytes && offset < mda_size && size <= (1 << 20)) {
    std::vector<std::uint8_t> text(size);
    for (std::uint64_t i = 0, from = at + offset; i < size; ++i, ++from) {
      if (from == at + mda_size) from = at + kHeaderBytes;  // wraps
      text[i] = from < image.size() ? image[from] : 0;
    }
    put_le(header, 56, lvm_crc32(kLvmCrcInitial, text), 4);
  }
  put_le(header, 0, lvm_crc32(kLvmCrcInitial, header.subspan(4)), 4);
}

// Every "LABELONE" sector among the first four: the metadata areas its
// pv_header lists, then the label's checksum.
inline void fix_lvm_checksums(std::vector<std::uint8_t>& image) {
  for (std::size_t sector = 0; sector < 4 && (sector + 1) * 512 <= image.size(); ++sector) {
    const std::span<std::uint8_t> label(image.data() + sector * 512, 512);
    if (std::memcmp(label.data(), "LABELONE", 8) != 0) continue;
    std::size_t at = get_le(label, 20, 4) + 40;  // the pv_header's area lists
    for (int list = 0; list < 2; ++list) {
      for (; at + 16 <= label.size(); at += 16) {
        const std::uint64_t offset = get_le(label, at, 8);
        if (offset == 0) break;
        if (list == 1) fix_lvm_metadata_area(image, offset);
      }
      at += 16;
    }
    put_le(label, 16, lvm_crc32(kLvmCrcInitial, label.subspan(20)), 4);
  }
}

// The GPT header at `lba` (sectors of `sector_bytes`): its entry array's
// CRC32 (when the array lies in `disk` and is at most 4 MiB), then its own.
inline void fix_gpt_header(std::vector<std::uint8_t>& disk, std::uint32_t sector_bytes,
                           std::uint64_t lba) {
  if (lba >= disk.size() / sector_bytes) return;
  const std::span<std::uint8_t> header(disk.data() + lba * sector_bytes, sector_bytes);
  if (std::memcmp(header.data(), "EFI PART", 8) != 0) return;
  const std::uint64_t array_at = get_le(header, 72, 8);
  const std::uint64_t array_bytes = get_le(header, 80, 4) * get_le(header, 84, 4);
  if (array_bytes <= (4 << 20) && array_at < disk.size() / sector_bytes &&
      array_bytes <= disk.size() - array_at * sector_bytes) {
    put_le(header, 88, crc32({disk.data() + array_at * sector_bytes, array_bytes}), 4);
  }
  const std::uint64_t header_bytes = get_le(header, 12, 4);
  if (header_bytes < 92 || header_bytes > sector_bytes) return;
  put_le(header, 16, 0, 4);
  put_le(header, 16, crc32(header.first(header_bytes)), 4);
}

// The primary GPT header at LBA 1, and the backup it names.
inline void fix_gpt_checksums(std::vector<std::uint8_t>& disk, std::uint32_t sector_bytes) {
  fix_gpt_header(disk, sector_bytes, 1);
  if (2 * std::uint64_t{sector_bytes} <= disk.size()) {
    fix_gpt_header(disk, sector_bytes, get_le({disk.data() + sector_bytes, sector_bytes}, 32, 8));
  }
}

}  // namespace pv2luks::fuzz
