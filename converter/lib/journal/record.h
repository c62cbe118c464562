// The journal's progress record: what a resume needs to find the boundary
// between moved and unmoved data. Pure: bytes in, bytes out.
//
// A record is one 512-byte block, little-endian, ending in the SHA-256 of
// everything before it. Two slots alternate (sequence number parity), so a
// write torn by a power cut damages at most the newer slot and the older one
// still says where the move stood. docs/journal.md has the byte layout.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pv2luks {

inline constexpr std::size_t kJournalRecordBytes = 512;
inline constexpr std::uint32_t kJournalVersion = 1;

enum class JournalPhase : std::uint32_t {
  kStaged = 1,     // header copy and key durable in the journal; no data moved
  kMoving = 2,     // chunks_done chunks are moved and durable as ciphertext
  kMoved = 3,      // every chunk moved; the header at the front may be torn
  kComplete = 4,   // the header at the front is durable: a LUKS volume
};

std::string phase_name(JournalPhase phase);

struct JournalRecord {
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

  bool operator==(const JournalRecord&) const = default;
};

// The 512 bytes of a record. std::invalid_argument for text fields too long.
std::vector<std::uint8_t> encode_record(const JournalRecord& record);

// A record from its bytes, or nullopt with `why` set: not a record (no
// magic), an unknown version, or a checksum mismatch (torn or corrupted).
std::optional<JournalRecord> decode_record(const std::uint8_t* bytes, std::size_t size,
                                           std::string& why);

// The newest good record of two slots; nullopt with `why` when neither is.
std::optional<JournalRecord> newest_record(const std::vector<std::uint8_t>& slot_a,
                                           const std::vector<std::uint8_t>& slot_b,
                                           std::string& why);

}  // namespace pv2luks
