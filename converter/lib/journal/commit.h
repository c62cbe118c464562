// Committing progress: the next journal record, durable before it returns.
// Shared by the live and the offline movers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "journal/area.h"
#include "journal/record.h"
#include "plan/plan.h"

namespace pv2luks {

// Writes a copy of `newest` with the next sequence number, `phase` and
// `chunks_done`, durably, and makes it the newest.
void commit_record(JournalArea& journal, JournalRecord& newest, JournalPhase phase,
                   std::uint64_t chunks_done);

// What the first record (phase staged, sequence 0 until committed) holds:
// the plan's input and the staged header's identity.
struct FirstRecordInput {
  const Plan* plan = nullptr;
  const std::vector<std::uint8_t>* header = nullptr;
  std::uint64_t header_used_bytes = 0;
  std::uint32_t key_size_bits = 0;
  std::string cipher;     // "aes-xts-plain64"
  std::string luks_uuid;
  std::string pv_uuid;
  bool sparse = false;  // offline --sparse
};
JournalRecord first_record(const FirstRecordInput& input);

}  // namespace pv2luks
