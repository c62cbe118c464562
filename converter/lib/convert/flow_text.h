// What the live and the offline conversion say alike: the confirmation
// question, the end of a dry run, and a conversion's status.
#pragma once

#include <cstdint>
#include <string>

#include "journal/journal_state.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

// "This converts SUBJECT to LUKS2 in place[MANNER][, after shrinking the PV
// by N extents]. Progress is journaled: after a crash, 'RESUME' finishes the
// job." `extents_to_free` 0: no make room.
std::string confirm_summary(const std::string& subject, LuksVersion type, const std::string& manner,
                            std::uint64_t extents_to_free, const std::string& resume_command);

// "journal: WHERE's last MiB, from sector N" for a device of `device_sectors`.
void say_journal_place(const std::string& where, std::uint64_t device_sectors,
                       const MessageFn& say);

// "dry run: nothing written", and the dry run's result.
ConvertResult dry_run_done(const MessageFn& say);

// A status: says `line`, checks the staged header (an Error when it does not
// match its checksum) and says how to finish. kDone.
ConvertResult journal_status(const std::string& line, const JournalState& journal,
                             const std::string& resume_command, const MessageFn& say);

}  // namespace pv2luks
