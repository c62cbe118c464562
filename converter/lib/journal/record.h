// The journal's progress record: what a resume needs to find the boundary
// between moved and unmoved data. Pure: bytes in, bytes out.
//
// A record is one 512-byte block, little-endian, ending in the SHA-256 of
// everything before it. Each record is written into both of two slots, the
// one holding the older record first (version 2; version 1 alternated). So a
// write torn by a power cut damages at most one slot while the other still
// says where the move stood, and once a record is in both slots (the only
// time the next chunk may begin) one damaged slot loses nothing either.
// docs/journal.md has the byte layout and the argument.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pv2luks {

inline constexpr std::size_t kJournalRecordBytes = 512;
inline constexpr std::uint32_t kJournalVersion = 2;
// Version 1 (pv2luks 0.1 before the double write) is still read, strictly.
inline constexpr std::uint32_t kJournalOldestVersion = 1;

enum class JournalPhase : std::uint32_t {
  kStaged = 1,     // header copy and key durable in the journal; no data moved
  kMoving = 2,     // chunks_done chunks are moved and durable as ciphertext
  kMoved = 3,      // every chunk moved; the header at the front may be torn
  kComplete = 4,   // the header at the front is durable: a LUKS volume
};

std::string phase_name(JournalPhase phase);

struct JournalRecord {
  std::uint32_t version = kJournalVersion;  // what was read; writes are kJournalVersion
  std::uint64_t sequence = 0;
  JournalPhase phase = JournalPhase::kStaged;
  std::uint64_t chunks_done = 0;
  // The plan's input, so resume makes exactly the same schedule.
  std::uint64_t device_sectors = 0;
  std::uint64_t move_sectors = 0;
  std::uint64_t data_offset_sectors = 0;
  std::uint64_t chunk_sectors = 0;
  std::uint64_t region_sectors = 0;
  std::uint32_t sector_bytes = 0;
  std::uint32_t key_size_bits = 0;
  // The staged LUKS header in the journal area: its first header_used_bytes
  // (the rest of the header is zeros), and the checksum of those bytes.
  std::uint64_t header_used_bytes = 0;
  std::array<std::uint8_t, 32> header_sha256{};
  std::string cipher;     // "aes-xts-plain64", at most 63 bytes
  std::string luks_uuid;  // at most 39 bytes
  std::string pv_uuid;    // at most 39 bytes
  // Offline --sparse: a resume leaves the same ranges unallocated.
  bool sparse = false;

  bool operator==(const JournalRecord&) const = default;
};

// The 512 bytes of a record. std::invalid_argument for text fields too long.
std::vector<std::uint8_t> encode_record(const JournalRecord& record);

// A record from its bytes, or nullopt with `why` set: not a record (no
// magic), an unknown version, or a checksum mismatch (torn or corrupted).
std::optional<JournalRecord> decode_record(const std::uint8_t* bytes, std::size_t size,
                                           std::string& why);

// Whether `block` (at least 8 bytes) starts with a record's magic: a quick
// look before decoding.
bool starts_with_record_magic(const std::uint8_t* block);

// What one slot holds: nothing of ours (no magic), a good record, or the
// magic with a bad checksum, version or phase (torn, or damaged).
struct JournalSlot {
  std::optional<JournalRecord> record;
  bool damaged = false;
  std::string why;  // when there is no record
};
JournalSlot decode_slot(const std::vector<std::uint8_t>& bytes);

// The record a resume continues from, out of two slots.
struct JournalSlots {
  std::optional<JournalRecord> newest;
  // A slot holds the journal's magic: a conversion was under way, even when
  // no record can be trusted (then `why` says why).
  bool traces = false;
  std::string why;
};

// Both good: the higher sequence number. One good, the other damaged: the
// good one when it is version 2 (both slots held the newest record before
// anything moved on); refused for version 1, where the damaged slot may have
// held a newer record whose chunk had begun. Neither: no record.
JournalSlots newest_record(const JournalSlot& slot_a, const JournalSlot& slot_b);

}  // namespace pv2luks
