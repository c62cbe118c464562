#include "lvm/ondisk_label.h"

#include <array>
#include <cstring>
#include <iomanip>
#include <span>
#include <sstream>
#include <string_view>

#include "base/crc32.h"
#include "base/error.h"

namespace pv2luks {

namespace {

using Bytes = std::span<const std::uint8_t>;

// label_header: id[8], sector u64, crc u32 (of the bytes from `offset` to the
// sector's end), offset u32 (of the pv_header, from the label), type[8].
constexpr std::string_view kLabelId = "LABELONE";
constexpr std::string_view kLabelType = "LVM2 001";
constexpr std::size_t kLabelSectorAt = 8;
constexpr std::size_t kLabelCrcAt = 16;
constexpr std::size_t kLabelOffsetAt = 20;
constexpr std::size_t kLabelTypeAt = 24;
constexpr std::size_t kLabelHeaderBytes = 32;

// pv_header: uuid[32], device_size u64, then two lists of disk_locn
// {offset u64, size u64}, each ended by an all-zero entry: data areas, then
// metadata areas.
constexpr std::size_t kUuidBytes = 32;
constexpr std::size_t kPvDeviceSizeAt = 32;
constexpr std::size_t kPvAreasAt = 40;
constexpr std::size_t kDiskLocnBytes = 16;

// mda_header: checksum u32 (of the rest of its 512 bytes), magic[16],
// version u32, start u64, size u64, then raw_locn {offset u64, size u64,
// checksum u32, flags u32} slots: 0 the committed text, 1 the precommitted.
constexpr std::string_view kMdaMagic = " LVM2 x[5A%r0N*>";
constexpr std::uint32_t kMdaVersion = 1;
constexpr std::size_t kMdaMagicAt = 4;
constexpr std::size_t kMdaVersionAt = 20;
constexpr std::size_t kMdaStartAt = 24;
constexpr std::size_t kMdaSizeAt = 32;
constexpr std::size_t kMdaLocnsAt = 40;
constexpr std::size_t kRawLocnChecksumAt = 16;
constexpr std::size_t kRawLocnFlagsAt = 20;
constexpr std::uint32_t kRawLocnIgnored = 0x1;

std::uint64_t le(Bytes bytes, std::size_t at, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) value |= std::uint64_t{bytes[at + i]} << (8 * i);
  return value;
}
std::uint32_t le32(Bytes bytes, std::size_t at) {
  return static_cast<std::uint32_t>(le(bytes, at, 4));
}
std::uint64_t le64(Bytes bytes, std::size_t at) { return le(bytes, at, 8); }

std::string_view chars(Bytes bytes, std::size_t at, std::size_t size) {
  return {reinterpret_cast<const char*>(bytes.data() + at), size};
}

std::string hex32(std::uint32_t value) {
  std::ostringstream out;
  out << "0x" << std::hex << std::setw(8) << std::setfill('0') << value;
  return out.str();
}

// LVM prints a 32-character id in groups of 6-4-4-4-4-4-6.
std::string format_uuid(std::string_view raw) {
  static constexpr std::array<std::size_t, 7> kGroups = {6, 4, 4, 4, 4, 4, 6};
  std::string out;
  std::size_t at = 0;
  for (const std::size_t group : kGroups) {
    if (!out.empty()) out += '-';
    out += raw.substr(at, group);
    at += group;
  }
  return out;
}

// Why the label candidate at `sector` is not a valid label ("" when it is).
std::string label_problem(Bytes sector_bytes, std::uint64_t sector) {
  const std::uint64_t stored_sector = le64(sector_bytes, kLabelSectorAt);
  if (stored_sector != sector) {
    return "it says it belongs at sector " + std::to_string(stored_sector);
  }
  const std::uint32_t stored = le32(sector_bytes, kLabelCrcAt);
  const std::uint32_t computed = lvm_crc32(kLvmCrcInitial, sector_bytes.subspan(kLabelOffsetAt));
  if (stored != computed) {
    return "label checksum mismatch (stored " + hex32(stored) + ", computed " + hex32(computed) +
           ")";
  }
  return "";
}

// One zero-terminated disk_locn list starting at `at`; moves `at` past its end.
std::vector<DiskArea> read_area_list(Bytes sector_bytes, std::size_t& at, const char* what,
                                     std::uint64_t label_sector) {
  std::vector<DiskArea> areas;
  for (;;) {
    if (at + kDiskLocnBytes > sector_bytes.size()) {
      Fail() << "LVM label at sector " << label_sector << ": the " << what
             << " area list runs past the label sector";
    }
    const DiskArea area{le64(sector_bytes, at), le64(sector_bytes, at + 8)};
    at += kDiskLocnBytes;
    if (area.offset_bytes == 0) return areas;
    areas.push_back(area);
  }
}

PvLabel parse_label(Bytes sector_bytes, std::uint64_t sector) {
  PvLabel label;
  label.label_sector = sector;
  const std::string_view type = chars(sector_bytes, kLabelTypeAt, kLabelType.size());
  if (type != kLabelType) {
    Fail() << "LVM label at sector " << sector << ": type '" << type << "' is not '" << kLabelType
           << "'";
  }
  const std::uint32_t pv_header_at = le32(sector_bytes, kLabelOffsetAt);
  if (pv_header_at < kLabelHeaderBytes || pv_header_at + kPvAreasAt > sector_bytes.size()) {
    Fail() << "LVM label at sector " << sector << ": pv_header offset " << pv_header_at
           << " does not fit in the label sector";
  }
  const Bytes pv_header = sector_bytes.subspan(pv_header_at);
  label.pv_uuid = format_uuid(chars(pv_header, 0, kUuidBytes));
  label.device_size_bytes = le64(pv_header, kPvDeviceSizeAt);
  std::size_t at = kPvAreasAt;
  label.data_areas = read_area_list(pv_header, at, "data", sector);
  label.metadata_areas = read_area_list(pv_header, at, "metadata", sector);
  return label;
}

void check_area_fits(const DiskArea& area, std::uint64_t size_bytes, const char* what) {
  if (area.offset_bytes >= size_bytes || area.size_bytes > size_bytes - area.offset_bytes) {
    Fail() << "LVM " << what << " area at byte " << area.offset_bytes << " (" << area.size_bytes
           << " bytes) lies beyond the PV's " << size_bytes << " bytes";
  }
}

void check_label_areas(const PvLabel& label, std::uint64_t size_bytes) {
  if (label.data_areas.empty()) {
    Fail() << "LVM label at sector " << label.label_sector << ": no data area (no pe_start)";
  }
  for (const DiskArea& area : label.data_areas) check_area_fits(area, size_bytes, "data");
  for (const DiskArea& area : label.metadata_areas) check_area_fits(area, size_bytes, "metadata");
}

struct RawLocn {
  std::uint64_t offset_bytes = 0;  // from the metadata area's start
  std::uint64_t size_bytes = 0;
  std::uint32_t checksum = 0;
  std::uint32_t flags = 0;
};

// The mda_header's committed slot, after checking the header itself.
RawLocn parse_mda_header(Bytes header, const DiskArea& area) {
  const std::string where = "LVM metadata area at byte " + std::to_string(area.offset_bytes);
  const std::uint32_t stored = le32(header, 0);
  const std::uint32_t computed = lvm_crc32(kLvmCrcInitial, header.subspan(kMdaMagicAt));
  if (stored != computed) {
    Fail() << where << ": metadata area header checksum mismatch (stored " << hex32(stored)
           << ", computed " << hex32(computed) << ")";
  }
  if (chars(header, kMdaMagicAt, kMdaMagic.size()) != kMdaMagic) {
    Fail() << where << ": metadata area header has the wrong magic";
  }
  if (const std::uint32_t version = le32(header, kMdaVersionAt); version != kMdaVersion) {
    Fail() << where << ": metadata area header version " << version << ", expected " << kMdaVersion;
  }
  if (const std::uint64_t start = le64(header, kMdaStartAt); start != area.offset_bytes) {
    Fail() << where << ": metadata area header says it starts at byte " << start;
  }
  const std::uint64_t mda_size = le64(header, kMdaSizeAt);
  if (mda_size < kSectorBytes || mda_size > area.size_bytes) {
    Fail() << where << ": metadata area header gives size " << mda_size << ", the label "
           << area.size_bytes;
  }
  const Bytes slot = header.subspan(kMdaLocnsAt);
  return {le64(slot, 0), le64(slot, 8), le32(slot, kRawLocnChecksumAt),
          le32(slot, kRawLocnFlagsAt)};
}

// The text of `locn`, which wraps to the area's first byte after its header
// when it runs past the area's end.
std::string read_text(const ReadAt& read, const DiskArea& area, std::uint64_t mda_size,
                      const RawLocn& locn) {
  const std::string where = "LVM metadata area at byte " + std::to_string(area.offset_bytes);
  if (locn.offset_bytes < kSectorBytes || locn.offset_bytes >= mda_size ||
      locn.size_bytes > mda_size - kSectorBytes) {
    Fail() << where << ": metadata text at offset " << locn.offset_bytes << " (" << locn.size_bytes
           << " bytes) lies outside the " << mda_size << "-byte area";
  }
  const std::uint64_t first_bytes = std::min(locn.size_bytes, mda_size - locn.offset_bytes);
  std::string text(locn.size_bytes, '\0');
  auto* out = reinterpret_cast<std::uint8_t*>(text.data());
  read(area.offset_bytes + locn.offset_bytes, {out, first_bytes});
  read(area.offset_bytes + kSectorBytes, {out + first_bytes, locn.size_bytes - first_bytes});
  const std::uint32_t computed =
      lvm_crc32(kLvmCrcInitial, {out, static_cast<std::size_t>(locn.size_bytes)});
  if (computed != locn.checksum) {
    Fail() << where << ": metadata text checksum mismatch (stored " << hex32(locn.checksum)
           << ", computed " << hex32(computed) << ")";
  }
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

}  // namespace

PvLabel read_pv_label(const ReadAt& read, std::uint64_t size_bytes) {
  const std::uint64_t scan_bytes = kLvmLabelScanSectors * kSectorBytes;
  if (size_bytes < scan_bytes) {
    Fail() << "a PV of " << size_bytes << " bytes is too small to hold an LVM label";
  }
  std::vector<std::uint8_t> sectors(scan_bytes);
  read(0, sectors);
  std::string problems;
  for (std::uint64_t sector = 0; sector < kLvmLabelScanSectors; ++sector) {
    const Bytes sector_bytes = Bytes(sectors).subspan(sector * kSectorBytes, kSectorBytes);
    if (chars(sector_bytes, 0, kLabelId.size()) != kLabelId) continue;
    const std::string problem = label_problem(sector_bytes, sector);
    if (problem.empty()) {
      PvLabel label = parse_label(sector_bytes, sector);
      check_label_areas(label, size_bytes);
      return label;
    }
    problems += "; sector " + std::to_string(sector) + ": " + problem;
  }
  if (problems.empty()) {
    Fail(RefuseReason::kWrongDevice) << "no LVM label in the first 4 sectors: not a PV";
  }
  Fail() << "no valid LVM label in the first 4 sectors" << problems;
}

std::optional<MetadataText> read_metadata_area(const ReadAt& read, std::uint64_t size_bytes,
                                               const DiskArea& area) {
  check_area_fits(area, size_bytes, "metadata");
  if (area.size_bytes < kSectorBytes) {
    Fail() << "LVM metadata area at byte " << area.offset_bytes << " is only " << area.size_bytes
           << " bytes";
  }
  std::array<std::uint8_t, kSectorBytes> header{};
  read(area.offset_bytes, header);
  const RawLocn locn = parse_mda_header(header, area);
  if (locn.offset_bytes == 0 && locn.size_bytes == 0) return std::nullopt;
  if (locn.flags & kRawLocnIgnored) return std::nullopt;
  const std::uint64_t mda_size = le64(header, kMdaSizeAt);
  return MetadataText{area, read_text(read, area, mda_size, locn)};
}

}  // namespace pv2luks
