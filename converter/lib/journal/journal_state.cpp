#include "journal/journal_state.h"

#include <sstream>
#include <string_view>

#include "base/error.h"
#include "base/memory_file.h"
#include "base/sector.h"
#include "base/sha256.h"
#include "base/size_text.h"
#include "journal/locate.h"
#include "luks/header.h"
#include "luks/token_unlock.h"
#include "luks/volume_key.h"

namespace pv2luks {

namespace {

Plan plan_of(const JournalRecord& record) {
  PlanInput input;
  input.move_sectors = record.move_sectors;
  input.device_sectors = record.device_sectors;
  input.data_offset_sectors = record.data_offset_sectors;
  input.chunk_sectors = record.chunk_sectors;
  input.region_sectors = record.region_sectors;
  input.sector_bytes = record.sector_bytes;
  return make_plan(input);
}

}  // namespace

JournalState read_journal(const std::string& path, std::uint64_t device_sectors,
                          std::uint64_t base_offset_bytes, bool direct_io, bool looks_like_luks,
                          bool writable) {
  return read_journal(file_range(path, base_offset_bytes, device_sectors * kSectorBytes, direct_io),
                      looks_like_luks, writable);
}

JournalState read_journal(const ByteRange& device, bool looks_like_luks, bool writable) {
  const std::string& path = device.name();
  const std::uint64_t device_sectors = device.size_bytes / kSectorBytes;
  const auto place = locate_journal(device);
  if (!place) {
    if (looks_like_luks) {
      Fail(RefuseReason::kWrongDevice)
          << path
          << ": a LUKS device with no pv2luks journal: already converted; nothing to resume";
    }
    Fail(RefuseReason::kWrongDevice) << path << ": no pv2luks journal; nothing to resume";
  }
  JournalState state;
  state.area = std::make_unique<JournalArea>(device, JournalArea::At{place->start_sectors},
                                             writable);
  state.grown = place->moved;
  const JournalSlots slots = state.area->read_slots();
  if (!slots.newest) {
    Fail() << path << ": the pv2luks journal at sector " << place->start_sectors
           << " cannot be trusted (" << slots.why << "); refusing to resume, nothing written";
  }
  state.record = *slots.newest;
  const JournalRecord* record = &state.record;
  if (record->device_sectors > device_sectors ||
      journal_start_sectors(record->device_sectors) != place->start_sectors) {
    Fail() << path << ": the journal was written for a device of " << record->device_sectors
           << " sectors, this one has " << device_sectors << "; refusing to guess";
  }
  state.plan = plan_of(*record);
  // The staged header's used bytes lie within the header the data offset
  // makes room for (staged_header fills the rest).
  if (!state.plan.ok() || state.plan.chunk_sectors != record->chunk_sectors ||
      record->chunks_done > state.plan.chunk_count() ||
      record->move_sectors + record->data_offset_sectors > state.area->start_sectors() ||
      record->header_used_bytes > record->data_offset_sectors * kSectorBytes) {
    Fail() << path << ": the journal's geometry is inconsistent"
           << (state.plan.ok() ? "" : ": " + state.plan.problems.front()) << "; refusing to resume";
  }
  return state;
}

std::optional<std::string> journal_on_device(const std::string& path,
                                             std::uint64_t device_sectors,
                                             std::uint64_t base_offset_bytes, bool direct_io) {
  return journal_on_device(
      file_range(path, base_offset_bytes, device_sectors * kSectorBytes, direct_io));
}

std::optional<std::string> journal_on_device(const ByteRange& device) {
  const auto place = locate_journal(device);
  if (!place) return std::nullopt;
  const JournalSlots& slots = place->slots;
  std::ostringstream out;
  out << "a pv2luks journal at sector " << place->start_sectors;
  if (slots.newest) {
    out << " (phase " << phase_name(slots.newest->phase) << ", " << slots.newest->chunks_done
        << " chunks moved, LUKS UUID " << slots.newest->luks_uuid << ")";
  } else {
    out << " (damaged: " << slots.why << ")";
  }
  if (place->moved) out << ", written when the device was smaller";
  return out.str();
}

void refuse_over_journal(const ByteRange& device, const std::string& what,
                         const std::string& resume) {
  const auto journal = journal_on_device(device);
  if (!journal) return;
  Fail() << what << ": a conversion of it was interrupted: " << *journal
         << ". Converting again would encrypt data that is already encrypted, and the key is "
            "only in that journal; run '" << resume << "' to finish it";
}

std::vector<std::uint8_t> staged_header(const JournalState& state) {
  return staged_header(*state.area, state.record);
}

std::vector<std::uint8_t> staged_header(const JournalArea& area, const JournalRecord& r) {
  std::vector<std::uint8_t> header = area.read_header_copy(r.header_used_bytes);
  const auto sum = sha256_digest(std::string_view(reinterpret_cast<const char*>(header.data()),
                                                  header.size()));
  if (sum != r.header_sha256) {
    Fail() << "the journal's copy of the LUKS header does not match its checksum; refusing to "
              "resume (nothing written)";
  }
  header.resize(r.data_offset_sectors * kSectorBytes);
  fill_random(header.data() + r.header_used_bytes, header.size() - r.header_used_bytes);
  return header;
}

namespace {

// `unlock` on the path of a memfd holding `header`; its errors are said in
// terms of `device` (the memfd's path is nobody's business).
template <typename Unlock>
SecureBuffer unlock_in_memory(const std::vector<std::uint8_t>& header, const std::string& device,
                              const Unlock& unlock) {
  MemoryFile file("pv2luks-header");
  file.write_all(header);
  try {
    return unlock(file.path());
  } catch (const Error& e) {
    std::string why = e.what();
    if (why.rfind(file.path() + ": ", 0) == 0) why.erase(0, file.path().size() + 2);
    Fail(e.reason()) << device << ": the LUKS header does not open: " << why;
  }
}

}  // namespace

SecureBuffer unlock_header(const std::vector<std::uint8_t>& header, const SecureBuffer& passphrase,
                           const std::string& device) {
  return unlock_in_memory(header, device,
                          [&](const std::string& path) { return unlock_volume_key(path, passphrase); });
}

SecureBuffer unlock_header_by_tpm2(const std::vector<std::uint8_t>& header,
                                   const std::string& device) {
  return unlock_in_memory(header, device, unlock_volume_key_by_tpm2);
}

std::string describe_journal(const JournalState& state) {
  const JournalRecord& r = state.record;
  const std::uint64_t moved = moved_bytes(state.plan, r.chunks_done) / kSectorBytes;
  std::ostringstream out;
  out << "journal: phase " << phase_name(r.phase) << ", " << r.chunks_done << " of "
      << state.plan.chunk_count() << " chunks moved (" << size_text(moved * kSectorBytes) << " of "
      << size_text(r.move_sectors * kSectorBytes) << "), LUKS UUID " << r.luks_uuid << ", " << r.cipher
      << ", data offset " << r.data_offset_sectors << " sectors";
  if (r.sparse) out << ", --sparse (free extents that are holes stay holes)";
  if (state.grown) {
    out << "; found at sector " << state.area->start_sectors() << ", where a device of "
        << r.device_sectors << " sectors has it (the device grew since)";
  }
  return out.str();
}

}  // namespace pv2luks
