#include "journal/journal_state.h"

#include <sstream>
#include <string_view>

#include "base/error.h"
#include "base/memory_file.h"
#include "base/sha256.h"
#include "luks/header.h"
#include "luks/volume_key.h"

namespace pv2luks {

namespace {

constexpr std::uint64_t kSectorBytes = 512;

std::string mib(std::uint64_t sectors) {
  std::ostringstream out;
  out << static_cast<double>(sectors) / 2048.0 << " MiB";
  return out.str();
}

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
  JournalState state;
  state.area =
      std::make_unique<JournalArea>(path, device_sectors, base_offset_bytes, direct_io, writable);
  std::string why;
  const auto record = state.area->read(why);
  if (!record) {
    if (looks_like_luks) {
      Fail() << path << ": a LUKS device with no pv2luks journal: already converted; nothing to resume";
    }
    Fail() << path << ": no pv2luks journal (" << why << "); nothing to resume";
  }
  state.record = *record;
  if (record->device_sectors != device_sectors) {
    Fail() << path << ": the journal was written for a device of " << record->device_sectors
           << " sectors, this one has " << device_sectors << "; refusing to guess";
  }
  state.plan = plan_of(*record);
  if (!state.plan.ok() || state.plan.chunk_sectors != record->chunk_sectors ||
      record->chunks_done > state.plan.chunk_count() ||
      record->move_sectors + record->data_offset_sectors > state.area->start_sectors()) {
    Fail() << path << ": the journal's geometry is inconsistent"
           << (state.plan.ok() ? "" : ": " + state.plan.problems.front()) << "; refusing to resume";
  }
  return state;
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

SecureBuffer unlock_header(const std::vector<std::uint8_t>& header, const SecureBuffer& passphrase,
                           const std::string& device) {
  MemoryFile file("pv2luks-header");
  file.write_all(header);
  try {
    return unlock_volume_key(file.path(), passphrase);
  } catch (const Error& e) {
    std::string why = e.what();
    if (why.rfind(file.path() + ": ", 0) == 0) why.erase(0, file.path().size() + 2);
    Fail() << device << ": the LUKS header does not open: " << why;
  }
}

std::string describe_journal(const JournalState& state) {
  const JournalRecord& r = state.record;
  const std::uint64_t moved = moved_bytes(state.plan, r.chunks_done) / kSectorBytes;
  std::ostringstream out;
  out << "journal: phase " << phase_name(r.phase) << ", " << r.chunks_done << " of "
      << state.plan.chunk_count() << " chunks moved (" << mib(moved) << " of "
      << mib(r.move_sectors) << "), LUKS UUID " << r.luks_uuid << ", " << r.cipher
      << ", data offset " << r.data_offset_sectors << " sectors";
  return out.str();
}

}  // namespace pv2luks
