// Where the journal lives on the device, and its I/O.
//
// The journal takes the device's last MiB (kJournalAreaSectors, starting at
// a 4 KiB boundary), past the end of the shifted data, so no chunk ever
// lands on it and a resume finds it from the device's size (or, when the
// device grew after the conversion began, by a search: journal/locate.h):
//
//   [J, J+8)      record slot A (one 512-byte record in a 4 KiB block)
//   [J+8, J+16)   record slot B
//   [J+16, ...)   the staged LUKS header: its metadata and keyslot 0
//
// Writes go through O_DSYNC (and, where the file allows it, O_DIRECT) file
// descriptors, or FUA writes through an NBD export (base/block_io.h), so a
// record write returns only once it is on stable storage.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/block_io.h"
#include "base/range_file.h"
#include "journal/record.h"

namespace pv2luks {

inline constexpr std::uint64_t kJournalAreaSectors = 2048;  // 1 MiB
inline constexpr std::uint64_t kJournalHeaderAtSectors = 16;
inline constexpr std::uint64_t kJournalMaxHeaderBytes =
    (kJournalAreaSectors - kJournalHeaderAtSectors) * 512;

// The journal's first sector on a device of `device_sectors`; 0 when the
// device is too small to have one. Pure.
std::uint64_t journal_start_sectors(std::uint64_t device_sectors);

class JournalArea {
 public:
  // Opens `device` for the journal's reads and writes. The PV's device may be
  // a byte range of a file (a partition of a disk image): it starts at
  // `base_offset_bytes` of `device`, and every offset here is relative to it.
  // `direct_io` false: no O_DIRECT; O_DSYNC remains. `writable` false opens
  // it read-only (status, and finding the journal), so an image on a
  // read-only mount can be read; the writes then fail.
  JournalArea(const std::string& device, std::uint64_t device_sectors,
              std::uint64_t base_offset_bytes = 0, bool direct_io = true, bool writable = true);
  // The same on the PV's device `device` (its whole size).
  explicit JournalArea(const ByteRange& device, bool writable = true);
  // The same, for a journal found at `start_sectors` (journal/locate.h).
  struct At {
    std::uint64_t start_sectors;
  };
  JournalArea(const std::string& device, At at, std::uint64_t base_offset_bytes, bool direct_io,
              bool writable = true);
  JournalArea(const ByteRange& device, At at, bool writable = true);

  // The newest good record; nullopt with `why` when there is none.
  std::optional<JournalRecord> read(std::string& why) const;
  // What the two slots hold, and the record a resume continues from.
  JournalSlots read_slots() const;
  // Writes `record` durably into both slots: first the one that held the
  // older record (as last read or written here), then the other.
  void write(const JournalRecord& record);
  // Writes the header's first `used_bytes` (its metadata and keyslot 0)
  // durably.
  void write_header_copy(const std::vector<std::uint8_t>& header, std::uint64_t used_bytes);
  // The staged header's first `used_bytes`.
  std::vector<std::uint8_t> read_header_copy(std::uint64_t used_bytes) const;
  // Zeros both record slots and the header copy, durably.
  void wipe();

  std::uint64_t start_sectors() const { return start_; }

 private:
  void write_at(std::uint64_t byte_offset, const std::vector<std::uint8_t>& bytes);
  std::vector<std::uint8_t> read_at(std::uint64_t byte_offset, std::size_t size) const;

  void open_io(const ByteRange& device);

  std::string device_;
  std::uint64_t start_ = 0;
  // Each slot's sequence number as last read or written; 0 for none.
  mutable std::uint64_t slot_sequence_[2] = {0, 0};
  std::uint64_t base_bytes_ = 0;
  bool writable_ = true;
  std::shared_ptr<BlockIo> io_;
};

}  // namespace pv2luks
