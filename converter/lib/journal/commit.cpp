#include "journal/commit.h"

#include <string_view>

#include "base/sha256.h"

namespace pv2luks {

void commit_record(JournalArea& journal, JournalRecord& newest, JournalPhase phase,
                   std::uint64_t chunks_done) {
  JournalRecord next = newest;
  next.version = kJournalVersion;
  next.sequence += 1;
  next.phase = phase;
  next.chunks_done = chunks_done;
  journal.write(next);
  newest = next;
}

JournalRecord first_record(const FirstRecordInput& input) {
  JournalRecord record;
  record.sequence = 0;  // the first commit makes it 1
  record.phase = JournalPhase::kStaged;
  const Plan& plan = *input.plan;
  record.device_sectors = plan.input.device_sectors;
  record.move_sectors = plan.input.move_sectors;
  record.data_offset_sectors = plan.input.data_offset_sectors;
  record.chunk_sectors = plan.chunk_sectors;
  record.region_sectors = plan.region_sectors;
  record.sector_bytes = plan.input.sector_bytes;
  record.key_size_bits = input.key_size_bits;
  record.header_used_bytes = input.header_used_bytes;
  record.header_sha256 = sha256_digest(std::string_view(
      reinterpret_cast<const char*>(input.header->data()), input.header_used_bytes));
  record.cipher = input.cipher;
  record.luks_uuid = input.luks_uuid;
  record.pv_uuid = input.pv_uuid;
  record.sparse = input.sparse;
  return record;
}

}  // namespace pv2luks
