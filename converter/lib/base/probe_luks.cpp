#include "base/probe_luks.h"

#include <array>
#include <cstring>

namespace pv2luks {

namespace {

// The binary header's fields a probe needs (cryptsetup's docs/on-disk-format
// for both versions): magic[6], version u16 at 6, and for LUKS2 hdr_offset
// u64 at 256. All big-endian.
constexpr std::size_t kMagicBytes = 6;
constexpr char kPrimaryMagic[] = "LUKS\xba\xbe";
constexpr char kSecondaryMagic[] = "SKUL\xba\xbe";
constexpr std::size_t kVersionAt = 6;
constexpr std::size_t kHeaderOffsetAt = 256;
constexpr std::size_t kProbeBytes = 512;

// Where LUKS2 places its secondary header: right after the primary's
// metadata area, whose size is one of these.
constexpr std::array<std::uint64_t, 9> kSecondaryOffsetsBytes = {
    16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20};

std::uint64_t be(const std::uint8_t* bytes, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) value = value << 8 | bytes[i];
  return value;
}

// The version of the header at `offset_bytes` with magic `magic`, 0 when
// there is none (blkid's luks_valid, then the version check).
unsigned header_version(const ReadAt& read, std::uint64_t size_bytes, std::uint64_t offset_bytes,
                        const char* magic) {
  if (offset_bytes > size_bytes || size_bytes - offset_bytes < kProbeBytes) return 0;
  std::array<std::uint8_t, kProbeBytes> header{};
  read(offset_bytes, header);
  if (std::memcmp(header.data(), magic, kMagicBytes) != 0) return 0;
  const auto version = static_cast<unsigned>(be(header.data() + kVersionAt, 2));
  if (version == 2 && be(header.data() + kHeaderOffsetAt, 8) != offset_bytes) return 0;
  return version == 1 || version == 2 ? version : 0;
}

}  // namespace

unsigned probe_luks(const ReadAt& read, std::uint64_t size_bytes) {
  if (const unsigned version = header_version(read, size_bytes, 0, kPrimaryMagic)) return version;
  for (const std::uint64_t offset_bytes : kSecondaryOffsetsBytes) {
    if (header_version(read, size_bytes, offset_bytes, kSecondaryMagic) == 2) return 2;
  }
  return 0;
}

}  // namespace pv2luks
