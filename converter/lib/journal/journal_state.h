// A journal found on a device and checked: its newest record, the plan it was
// made with, and the staged header. Shared by the live and offline resumes
// and by `status`. Everything here reads; a refusal is an Error that says
// what is wrong, and nothing has been written.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "journal/area.h"
#include "journal/record.h"
#include "base/secure_buffer.h"
#include "base/range_file.h"
#include "plan/plan.h"

namespace pv2luks {

struct JournalState {
  std::unique_ptr<JournalArea> area;
  JournalRecord record;
  Plan plan;  // rebuilt from the record: the same schedule as the first run
  bool grown = false;  // found below where today's size puts it (journal/locate.h)
};

// Reads the journal in the last MiB of the PV's device: `device_sectors`
// long, at `base_offset_bytes` of `path` (or below, when the device grew
// since: journal/locate.h). Refuses a journal neither of whose slots can be
// trusted. `looks_like_luks` only words the refusal when there is no journal
// ("already converted"). `writable` false (status) opens the device
// read-only; `area` then cannot write.
JournalState read_journal(const std::string& path, std::uint64_t device_sectors,
                          std::uint64_t base_offset_bytes, bool direct_io, bool looks_like_luks,
                          bool writable);
// The same on the PV's device `device` (its whole size).
JournalState read_journal(const ByteRange& device, bool looks_like_luks, bool writable);

// When the device holds a conversion's journal (good or damaged, wherever a
// conversion can have put it), a line saying so; nullopt when not. Convert
// refuses to start over one: the data may be half moved and its key is only
// in the journal. Reads only.
std::optional<std::string> journal_on_device(const std::string& path,
                                             std::uint64_t device_sectors,
                                             std::uint64_t base_offset_bytes, bool direct_io);
std::optional<std::string> journal_on_device(const ByteRange& device);

// Fails, naming `what` and the command `resume` that finishes it, when
// journal_on_device finds a journal.
void refuse_over_journal(const ByteRange& device, const std::string& what,
                         const std::string& resume);

// The header for the front: the journal's copy of its metadata and keyslot
// 0, checked against the record's checksum, then fresh random bytes for the
// unused keyslot areas, as libcryptsetup fills them.
std::vector<std::uint8_t> staged_header(const JournalArea& area, const JournalRecord& record);
std::vector<std::uint8_t> staged_header(const JournalState& state);

// The volume key from a LUKS header held in memory (the staged header, or
// one read off an image), opened with `passphrase`. An Error says why not,
// in terms of `device`.
SecureBuffer unlock_header(const std::vector<std::uint8_t>& header, const SecureBuffer& passphrase,
                           const std::string& device);
// The same, opened by the header's systemd-tpm2 token (luks/token_unlock.h).
SecureBuffer unlock_header_by_tpm2(const std::vector<std::uint8_t>& header,
                                   const std::string& device);

// "journal: phase moving, 3 of 9 chunks moved (48 MiB of 140 MiB), LUKS UUID
// ..., aes-xts-plain64, data offset 32768 sectors"
std::string describe_journal(const JournalState& state);

}  // namespace pv2luks
