// journal/record: a journal slot's bytes decoded (decode_slot), the newest
// of two slots chosen (newest_record), and every record that decodes
// encoded again to the same record.
//
// Input: a flag byte (bit 0: recompute slot A's SHA-256, bit 1: slot B's),
// then slot A's 512 bytes and slot B's (either may be short).
#include <vector>

#include "checksums.h"
#include "fuzz_glue.h"
#include "journal/record.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

namespace {

JournalSlot slot_of(Bytes bytes, bool seal) {
  std::vector<std::uint8_t> slot(bytes.begin(), bytes.end());
  if (seal) seal_journal_record(slot);
  const JournalSlot decoded = decode_slot(slot);
  require(!decoded.record || !decoded.damaged, "a slot both good and damaged");
  require(decoded.record || !decoded.why.empty(), "a slot without a record or a reason");
  if (slot.size() >= 8) {
    require(decoded.damaged || decoded.record || !starts_with_record_magic(slot.data()),
            "the magic, yet neither good nor damaged");
  }
  if (decoded.record) {
    JournalRecord again = *decoded.record;
    again.version = kJournalVersion;  // what encode_record writes
    const std::vector<std::uint8_t> bytes_again = encode_record(again);
    std::string why;
    require(decode_record(bytes_again.data(), bytes_again.size(), why) == again,
            "a decoded record does not survive encode_record and decode_record");
  }
  return decoded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Bytes input(data, size);
  const JournalSlot a = slot_of(part(input, 1, kJournalRecordBytes), data[0] & 1);
  const JournalSlot b = slot_of(part(input, 1 + kJournalRecordBytes, kJournalRecordBytes), data[0] & 2);
  const JournalSlots slots = newest_record(a, b);
  require(!slots.newest || slots.traces, "a newest record without traces");
  require(slots.newest || !slots.why.empty(), "no record and no reason");
  if (slots.newest) phase_name(slots.newest->phase);
  return 0;
}
