#include "journal/locate.h"

#include <algorithm>
#include <vector>

#include "base/aligned_buffer.h"
#include "base/error.h"
#include "base/range_file.h"
#include "base/round.h"
#include "base/sector.h"
#include "journal/area.h"
#include "journal/record.h"
#include "lvm/pv_metadata.h"

namespace pv2luks {

namespace {

constexpr std::uint64_t kBlockBytes = 4096;
constexpr std::uint64_t kScanBytes = 1 << 20;

// Where the PV's extents end and its UUID, while the front still holds its
// plaintext label and metadata; nullopt otherwise (a LUKS header, torn or
// whole, or no PV at all).
struct PvFront {
  std::uint64_t extents_end_sectors;
  std::string pv_uuid;
};
std::optional<PvFront> pv_front(const RangeFile& device, std::uint64_t size_bytes) {
  try {
    const PvOnDisk pv = read_pv(device.reader(), size_bytes);
    return PvFront{(pv.pe_start_bytes + pv.pe_count() * pv.extent_size_bytes()) / kSectorBytes,
                   pv.pv_uuid};
  } catch (const Error&) {
    return std::nullopt;
  }
}

// A slot at `at_sectors` that belongs to a journal starting at the returned
// sector: a good record of `pv_uuid` whose device size puts it there.
std::optional<std::uint64_t> record_start(const std::uint8_t* block, std::uint64_t at_sectors,
                                          const std::string& pv_uuid) {
  const JournalSlot slot = decode_slot(std::vector<std::uint8_t>(block, block + kJournalRecordBytes));
  if (!slot.record || slot.record->pv_uuid != pv_uuid) return std::nullopt;
  const std::uint64_t start = journal_start_sectors(slot.record->device_sectors);
  if (start == at_sectors || start + 8 == at_sectors) return start;
  return std::nullopt;
}

// Scans [floor, top) backward, 4 KiB at a time, for a record of `front`'s PV.
// `top_sectors` is a 4 KiB multiple (a journal start).
std::optional<std::uint64_t> scan(const RangeFile& device, std::uint64_t floor_sectors,
                                  std::uint64_t top_sectors, const PvFront& front) {
  const std::uint64_t floor = round_up(floor_sectors * kSectorBytes, kBlockBytes);
  AlignedBuffer buffer(kScanBytes);
  for (std::uint64_t top = top_sectors * kSectorBytes; top > floor;) {
    const std::uint64_t from = std::max(floor, top >= kScanBytes ? top - kScanBytes : 0);
    device.read(from, buffer.span().first(top - from));
    for (std::uint64_t at = top - kBlockBytes; at + kBlockBytes > from; at -= kBlockBytes) {
      const std::uint8_t* block = buffer.data() + (at - from);
      if (!starts_with_record_magic(block)) continue;
      if (auto start = record_start(block, at / kSectorBytes, front.pv_uuid)) return start;
    }
    top = from;
  }
  return std::nullopt;
}

JournalSlots read_slots(const RangeFile& device, std::uint64_t start_sectors) {
  AlignedBuffer blocks(2 * kBlockBytes);
  device.read(start_sectors * kSectorBytes, blocks.span());
  const auto slot = [&](std::size_t at) {
    return decode_slot(std::vector<std::uint8_t>(blocks.data() + at,
                                                 blocks.data() + at + kJournalRecordBytes));
  };
  return newest_record(slot(0), slot(kBlockBytes));
}

}  // namespace

std::optional<JournalPlace> locate_journal(const std::string& path, std::uint64_t device_sectors,
                                           std::uint64_t base_offset_bytes, bool direct_io) {
  return locate_journal(
      file_range(path, base_offset_bytes, device_sectors * kSectorBytes, direct_io));
}

std::optional<JournalPlace> locate_journal(const ByteRange& range) {
  const std::uint64_t device_sectors = range.size_bytes / kSectorBytes;
  const std::uint64_t start = journal_start_sectors(device_sectors);
  if (start == 0) return std::nullopt;
  // O_DIRECT reads where the file allows: a live PV's journal and metadata
  // are written with O_DIRECT, and the parsers' buffered reads see them too.
  const RangeFile device(range, false);
  if (JournalSlots slots = read_slots(device, start); slots.traces) {
    return JournalPlace{start, false, slots};
  }
  const auto front = pv_front(device, device_sectors * kSectorBytes);
  if (!front || front->extents_end_sectors >= start) return std::nullopt;
  const auto found = scan(device, front->extents_end_sectors, start, *front);
  if (!found) return std::nullopt;
  return JournalPlace{*found, true, read_slots(device, *found)};
}

}  // namespace pv2luks
