#include "convert/flow_text.h"

#include <sstream>

#include "convert/result.h"
#include "journal/area.h"

namespace pv2luks {

std::string confirm_summary(const std::string& subject, LuksVersion type, const std::string& manner,
                            std::uint64_t extents_to_free, const std::string& resume_command) {
  std::ostringstream out;
  out << "This converts " << subject << " to "
      << (type == LuksVersion::kLuks1 ? "LUKS1" : "LUKS2") << " in place" << manner;
  if (extents_to_free > 0) out << ", after shrinking the PV by " << extents_to_free << " extents";
  out << ". Progress is journaled: after a crash, '" << resume_command << "' finishes the job.";
  return out.str();
}

void say_journal_place(const std::string& where, std::uint64_t device_sectors,
                       const MessageFn& say) {
  say("journal: " + where + "'s last MiB, from sector " +
      std::to_string(journal_start_sectors(device_sectors)));
}

ConvertResult dry_run_done(const MessageFn& say) {
  say("dry run: nothing written");
  return result_of(ConvertStatus::kDone, "");
}

ConvertResult journal_status(const std::string& line, const JournalState& journal,
                             const std::string& resume_command, const MessageFn& say) {
  say(line);
  staged_header(journal);
  say("the staged LUKS header matches its checksum; '" + resume_command +
      "' finishes the conversion");
  return result_of(ConvertStatus::kDone, "");
}

}  // namespace pv2luks
