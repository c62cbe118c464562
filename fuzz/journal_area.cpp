// journal/area, journal/locate and journal/journal_state: a device's journal
// found (where its size puts it, or by the search below it when the device
// grew), read and checked as `resume` and `status` do, and its staged header
// copy read back (read_journal, journal_on_device, staged_header,
// describe_journal). The device is a memory file, read through its
// /proc/self/fd path as a partition would be.
//
// Input: a flag byte (bit 0: recompute slot A's header checksum and SHA-256,
// bit 1: slot B's, bit 2: LVM's checksums at the device's front), a byte of
// growth (4 KiB blocks the device grew by after the journal was written),
// slot A's 512 bytes, slot B's, then the device's first bytes (at most
// 2 MiB: a PV's label and metadata). The device is 4 MiB plus the growth;
// the slots lie where a 4 MiB device has its journal, the header copy after
// them is zeros.
#include <fcntl.h>
#include <unistd.h>

#include <string_view>
#include <vector>

#include "base/fd.h"
#include "base/memory_file.h"
#include "checksums.h"
#include "fuzz_glue.h"
#include "journal/area.h"
#include "journal/journal_state.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

namespace {

constexpr std::uint64_t kSector = 512;
constexpr std::uint64_t kWrittenSectors = 8192;  // the device when the journal was written
constexpr std::size_t kSlotsAt = 2;
constexpr std::size_t kFrontAt = kSlotsAt + 2 * kJournalRecordBytes;
constexpr std::size_t kFrontMaxBytes = 2 << 20;

// The record's checksum of the header copy (zeros), then its own.
void seal_slot(std::span<std::uint8_t> slot) {
  static const std::vector<std::uint8_t> zeros(kJournalMaxHeaderBytes);
  const std::uint64_t used = get_le(slot, 80, 8);
  if (used <= kJournalMaxHeaderBytes) {
    const auto sum =
        sha256_digest(std::string_view(reinterpret_cast<const char*>(zeros.data()), used));
    std::memcpy(slot.data() + 88, sum.data(), sum.size());
  }
  seal_journal_record(slot);
}

// The device: `front` at its start, the slots at `journal_bytes`, zeros
// elsewhere (a sparse memory file).
void write_device(const MemoryFile& file, const std::vector<std::uint8_t>& front,
                  const std::vector<std::uint8_t>& slots, std::uint64_t journal_bytes,
                  std::uint64_t device_bytes) {
  const Fd fd(::open(file.path().c_str(), O_WRONLY | O_CLOEXEC));
  require(fd && ::ftruncate(fd.get(), static_cast<off_t>(device_bytes)) == 0 &&
              ::pwrite(fd.get(), front.data(), front.size(), 0) == static_cast<ssize_t>(front.size()) &&
              ::pwrite(fd.get(), slots.data(), slots.size(), static_cast<off_t>(journal_bytes)) ==
                  static_cast<ssize_t>(slots.size()),
          "the memory file takes no writes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < kFrontAt) return 0;
  const Bytes input(data, size);
  const std::uint8_t flags = data[0];
  const std::uint64_t device_sectors = kWrittenSectors + 8 * std::uint64_t{data[1]};

  const Bytes front_bytes = part(input, kFrontAt, kFrontMaxBytes);
  std::vector<std::uint8_t> front(front_bytes.begin(), front_bytes.end());
  if (flags & 4) fix_lvm_checksums(front);

  std::vector<std::uint8_t> slots(8 * kSector + kJournalRecordBytes);  // slot B 4 KiB after A
  for (std::size_t slot = 0; slot < 2; ++slot) {
    const std::span<std::uint8_t> bytes(slots.data() + slot * 8 * kSector, kJournalRecordBytes);
    const Bytes given = part(input, kSlotsAt + slot * kJournalRecordBytes, kJournalRecordBytes);
    std::copy(given.begin(), given.end(), bytes.begin());
    if (flags & (1 << slot)) seal_slot(bytes);
  }

  MemoryFile file("fuzz-journal-area");
  write_device(file, front, slots, journal_start_sectors(kWrittenSectors) * kSector,
               device_sectors * kSector);
  refused([&] { journal_on_device(file.path(), device_sectors, 0, false); });
  refused([&] {
    const JournalState state = read_journal(file.path(), device_sectors, 0, false, false, false);
    require(state.area->start_sectors() + kJournalAreaSectors <= device_sectors,
            "a journal past the device's end");
    require(state.record.device_sectors <= device_sectors, "a journal of a larger device");
    describe_journal(state);
    const std::vector<std::uint8_t> header = staged_header(state);
    require(header.size() == state.record.data_offset_sectors * kSector,
            "a staged header not of the data offset's size");
  });
  return 0;
}
