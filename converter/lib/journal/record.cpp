#include "journal/record.h"

#include <cstring>
#include <stdexcept>

#include "base/sha256.h"

namespace pv2luks {

namespace {

constexpr char kMagic[8] = {'P', 'V', '2', 'L', 'U', 'K', 'S', 'J'};
constexpr std::size_t kChecksumAt = kJournalRecordBytes - 32;
constexpr std::uint32_t kFlagSparse = 1;

// Fixed offsets of the layout in docs/journal.md.
enum Offset : std::size_t {
  kOffMagic = 0,
  kOffVersion = 8,
  kOffPhase = 12,
  kOffSequence = 16,
  kOffChunksDone = 24,
  kOffDeviceSectors = 32,
  kOffMoveSectors = 40,
  kOffDataOffset = 48,
  kOffChunkSectors = 56,
  kOffRegionSectors = 64,
  kOffSectorBytes = 72,
  kOffKeySizeBits = 76,
  kOffHeaderUsed = 80,
  kOffHeaderSha = 88,   // 32 bytes
  kOffCipher = 120,     // 64 bytes, NUL padded
  kOffLuksUuid = 184,   // 40 bytes
  kOffPvUuid = 224,     // 40 bytes
  kOffFlags = 264,      // bit 0: sparse; zeros before pv2luks had it
  kOffEnd = 268,        // zeros up to the checksum
};

class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}
  void u32(std::size_t at, std::uint32_t value) { put(at, value, 4); }
  void u64(std::size_t at, std::uint64_t value) { put(at, value, 8); }
  void text(std::size_t at, const std::string& value, std::size_t field) {
    if (value.size() >= field) throw std::invalid_argument("journal text field too long: " + value);
    std::memcpy(out_.data() + at, value.data(), value.size());
  }

 private:
  void put(std::size_t at, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out_[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
  }
  std::vector<std::uint8_t>& out_;
};

std::uint64_t get(const std::uint8_t* bytes, std::size_t at, int size) {
  std::uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i) value = (value << 8) | bytes[at + i];
  return value;
}

std::string get_text(const std::uint8_t* bytes, std::size_t at, std::size_t field) {
  const char* start = reinterpret_cast<const char*>(bytes + at);
  return std::string(start, strnlen(start, field));
}

// The name of the first text field that holds no NUL, or nullptr.
// encode_record always writes one, so such a field is damage even under a
// good checksum, and a record holding it could never be written back.
const char* unterminated_text(const std::uint8_t* bytes) {
  struct Field {
    std::size_t at;
    std::size_t size;
    const char* name;
  };
  static constexpr Field kFields[] = {
      {kOffCipher, 64, "cipher"}, {kOffLuksUuid, 40, "LUKS UUID"}, {kOffPvUuid, 40, "PV UUID"}};
  for (const Field& field : kFields) {
    if (std::memchr(bytes + field.at, 0, field.size) == nullptr) return field.name;
  }
  return nullptr;
}

}  // namespace

std::string phase_name(JournalPhase phase) {
  switch (phase) {
    case JournalPhase::kStaged: return "staged";
    case JournalPhase::kMoving: return "moving";
    case JournalPhase::kMoved: return "moved";
    case JournalPhase::kComplete: return "complete";
  }
  return "unknown";
}

std::vector<std::uint8_t> encode_record(const JournalRecord& record) {
  std::vector<std::uint8_t> out(kJournalRecordBytes, 0);
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  Writer w(out);
  w.u32(kOffVersion, kJournalVersion);
  w.u32(kOffPhase, static_cast<std::uint32_t>(record.phase));
  w.u64(kOffSequence, record.sequence);
  w.u64(kOffChunksDone, record.chunks_done);
  w.u64(kOffDeviceSectors, record.device_sectors);
  w.u64(kOffMoveSectors, record.move_sectors);
  w.u64(kOffDataOffset, record.data_offset_sectors);
  w.u64(kOffChunkSectors, record.chunk_sectors);
  w.u64(kOffRegionSectors, record.region_sectors);
  w.u32(kOffSectorBytes, record.sector_bytes);
  w.u32(kOffKeySizeBits, record.key_size_bits);
  w.u64(kOffHeaderUsed, record.header_used_bytes);
  std::memcpy(out.data() + kOffHeaderSha, record.header_sha256.data(), 32);
  w.text(kOffCipher, record.cipher, 64);
  w.text(kOffLuksUuid, record.luks_uuid, 40);
  w.text(kOffPvUuid, record.pv_uuid, 40);
  w.u32(kOffFlags, record.sparse ? kFlagSparse : 0);
  const auto sum = sha256_digest(
      std::string_view(reinterpret_cast<const char*>(out.data()), kChecksumAt));
  std::memcpy(out.data() + kChecksumAt, sum.data(), sum.size());
  return out;
}

std::optional<JournalRecord> decode_record(const std::uint8_t* bytes, std::size_t size,
                                           std::string& why) {
  if (size < kJournalRecordBytes || std::memcmp(bytes, kMagic, sizeof kMagic) != 0) {
    why = "no journal record";
    return std::nullopt;
  }
  const auto sum =
      sha256_digest(std::string_view(reinterpret_cast<const char*>(bytes), kChecksumAt));
  if (std::memcmp(bytes + kChecksumAt, sum.data(), sum.size()) != 0) {
    why = "journal record checksum mismatch (torn or corrupted)";
    return std::nullopt;
  }
  const std::uint64_t version = get(bytes, kOffVersion, 4);
  if (version < kJournalOldestVersion || version > kJournalVersion) {
    why = "journal version " + std::to_string(version) + " is unknown (this pv2luks reads " +
          std::to_string(kJournalOldestVersion) + " to " + std::to_string(kJournalVersion) + ")";
    return std::nullopt;
  }
  const std::uint64_t phase = get(bytes, kOffPhase, 4);
  if (phase < 1 || phase > 4) {
    why = "journal phase " + std::to_string(phase) + " is unknown";
    return std::nullopt;
  }
  if (const char* field = unterminated_text(bytes)) {
    why = std::string("journal record's ") + field + " field is not NUL-terminated (damaged)";
    return std::nullopt;
  }
  JournalRecord r;
  r.version = static_cast<std::uint32_t>(version);
  r.phase = static_cast<JournalPhase>(phase);
  r.sequence = get(bytes, kOffSequence, 8);
  r.chunks_done = get(bytes, kOffChunksDone, 8);
  r.device_sectors = get(bytes, kOffDeviceSectors, 8);
  r.move_sectors = get(bytes, kOffMoveSectors, 8);
  r.data_offset_sectors = get(bytes, kOffDataOffset, 8);
  r.chunk_sectors = get(bytes, kOffChunkSectors, 8);
  r.region_sectors = get(bytes, kOffRegionSectors, 8);
  r.sector_bytes = static_cast<std::uint32_t>(get(bytes, kOffSectorBytes, 4));
  r.key_size_bits = static_cast<std::uint32_t>(get(bytes, kOffKeySizeBits, 4));
  r.header_used_bytes = get(bytes, kOffHeaderUsed, 8);
  std::memcpy(r.header_sha256.data(), bytes + kOffHeaderSha, 32);
  r.cipher = get_text(bytes, kOffCipher, 64);
  r.luks_uuid = get_text(bytes, kOffLuksUuid, 40);
  r.pv_uuid = get_text(bytes, kOffPvUuid, 40);
  r.sparse = (get(bytes, kOffFlags, 4) & kFlagSparse) != 0;
  return r;
}

bool starts_with_record_magic(const std::uint8_t* block) {
  return std::memcmp(block, kMagic, sizeof kMagic) == 0;
}

JournalSlot decode_slot(const std::vector<std::uint8_t>& bytes) {
  JournalSlot slot;
  slot.record = decode_record(bytes.data(), bytes.size(), slot.why);
  slot.damaged = !slot.record && bytes.size() >= sizeof kMagic && starts_with_record_magic(bytes.data());
  return slot;
}

JournalSlots newest_record(const JournalSlot& a, const JournalSlot& b) {
  JournalSlots out;
  out.traces = a.record || b.record || a.damaged || b.damaged;
  if (a.record && b.record) {
    out.newest = a.record->sequence >= b.record->sequence ? a.record : b.record;
    return out;
  }
  const JournalSlot& good = a.record ? a : b;
  const JournalSlot& other = a.record ? b : a;
  const char* other_name = a.record ? "B" : "A";
  if (!good.record) {
    out.why = a.why == b.why ? a.why : "slot A: " + a.why + "; slot B: " + b.why;
    return out;
  }
  if (other.damaged && good.record->version < 2) {
    out.why = std::string("journal slot ") + other_name + " is damaged (" + other.why +
              ") and the other holds a version 1 record, written one slot at a time: the "
              "damaged slot may have held a newer record whose chunk had already begun, so "
              "neither can be trusted";
    return out;
  }
  out.newest = good.record;
  return out;
}

}  // namespace pv2luks
