#include "journal/area.h"

#include <cstring>

#include "base/aligned_buffer.h"
#include "base/error.h"
#include "base/round.h"
#include "base/sector.h"

namespace pv2luks {

namespace {

// O_DIRECT needs buffers and lengths aligned to the logical block.
constexpr std::uint64_t kBlockBytes = 4096;

}  // namespace

std::uint64_t journal_start_sectors(std::uint64_t device_sectors) {
  if (device_sectors < kJournalAreaSectors + 8) return 0;
  return (device_sectors - kJournalAreaSectors) / 8 * 8;
}

JournalArea::JournalArea(const std::string& device, std::uint64_t device_sectors,
                         std::uint64_t base_offset_bytes, bool direct_io, bool writable)
    : JournalArea(file_range(device, base_offset_bytes, device_sectors * kSectorBytes, direct_io), writable) {}

JournalArea::JournalArea(const ByteRange& device, bool writable)
    : device_(device.name()),
      start_(journal_start_sectors(device.size_bytes / kSectorBytes)),
      base_bytes_(device.offset_bytes),
      writable_(writable) {
  if (start_ == 0) Fail() << device_ << ": too small for a pv2luks journal";
  open_io(device);
}

JournalArea::JournalArea(const std::string& device, At at, std::uint64_t base_offset_bytes,
                         bool direct_io, bool writable)
    : JournalArea(file_range(device, base_offset_bytes, 0, direct_io), at, writable) {}

JournalArea::JournalArea(const ByteRange& device, At at, bool writable)
    : device_(device.name()),
      start_(at.start_sectors),
      base_bytes_(device.offset_bytes),
      writable_(writable) {
  open_io(device);
}

// A file on tmpfs (the unit tests) has no O_DIRECT; O_DSYNC remains.
void JournalArea::open_io(const ByteRange& device) {
  io_ = device.source->open(
      {.writable = writable_, .direct = true, .sync = writable_, .purpose = "the journal"});
}

void JournalArea::write_at(std::uint64_t byte_offset, const std::vector<std::uint8_t>& bytes) {
  if (!writable_) Fail() << device_ << ": journal write refused: the journal was opened read-only";
  AlignedBuffer buffer(round_up(bytes.size(), kBlockBytes));
  std::memcpy(buffer.data(), bytes.data(), bytes.size());
  try {
    io_->write(base_bytes_ + byte_offset, buffer.span());
  } catch (const Error& e) {
    Fail() << "journal write failed: " << e.what();
  }
  // The I/O is O_DSYNC (or FUA through NBD): the write is durable when it
  // returns (a flush, or a FUA write, of the disk's cache). A further
  // fdatasync would only flush the cache a second time.
}

std::vector<std::uint8_t> JournalArea::read_at(std::uint64_t byte_offset, std::size_t size) const {
  AlignedBuffer buffer(round_up(size, kBlockBytes));
  try {
    io_->read(base_bytes_ + byte_offset, buffer.span());
  } catch (const Error& e) {
    Fail() << "journal read failed: " << e.what();
  }
  return std::vector<std::uint8_t>(buffer.data(), buffer.data() + size);
}

JournalSlots JournalArea::read_slots() const {
  const std::uint64_t base = start_ * kSectorBytes;
  const JournalSlot slots[2] = {decode_slot(read_at(base, kJournalRecordBytes)),
                                decode_slot(read_at(base + 8 * kSectorBytes, kJournalRecordBytes))};
  for (int i = 0; i < 2; ++i) slot_sequence_[i] = slots[i].record ? slots[i].record->sequence : 0;
  return newest_record(slots[0], slots[1]);
}

std::optional<JournalRecord> JournalArea::read(std::string& why) const {
  JournalSlots slots = read_slots();
  if (!slots.newest) why = slots.why;
  return slots.newest;
}

void JournalArea::write(const JournalRecord& record) {
  const std::vector<std::uint8_t> bytes = encode_record(record);
  const int first = slot_sequence_[1] < slot_sequence_[0] ? 1 : 0;
  for (const int slot : {first, 1 - first}) {
    write_at((start_ + static_cast<std::uint64_t>(slot) * 8) * kSectorBytes, bytes);
    slot_sequence_[slot] = record.sequence;
  }
}

void JournalArea::write_header_copy(const std::vector<std::uint8_t>& header,
                                    std::uint64_t used) {
  if (used > kJournalMaxHeaderBytes || used > header.size()) {
    Fail() << "the LUKS header uses " << used << " bytes; the journal holds at most "
           << kJournalMaxHeaderBytes;
  }
  write_at((start_ + kJournalHeaderAtSectors) * kSectorBytes,
           std::vector<std::uint8_t>(header.begin(), header.begin() + static_cast<long>(used)));
}

std::vector<std::uint8_t> JournalArea::read_header_copy(std::uint64_t used_bytes) const {
  if (used_bytes > kJournalMaxHeaderBytes) {
    Fail() << device_ << ": the journal's header copy size " << used_bytes << " is impossible";
  }
  return read_at((start_ + kJournalHeaderAtSectors) * kSectorBytes, used_bytes);
}

void JournalArea::wipe() {
  write_at(start_ * kSectorBytes, std::vector<std::uint8_t>(kJournalAreaSectors * kSectorBytes, 0));
  slot_sequence_[0] = slot_sequence_[1] = 0;
}

}  // namespace pv2luks
