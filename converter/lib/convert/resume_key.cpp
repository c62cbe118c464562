#include "convert/resume_key.h"

#include "journal/journal_state.h"
#include "luks/passphrase.h"

namespace pv2luks {

std::optional<SecureBuffer> resume_volume_key(const ResumeOptions& options,
                                              const std::vector<std::uint8_t>& header) {
  if (options.confirm && !options.confirm("This resumes the conversion of " + options.device +
                                          " to LUKS from its journal.")) {
    return std::nullopt;
  }
  const SecureBuffer passphrase =
      read_passphrase(passphrase_source(options.key_file), PassphrasePurpose::kExisting,
                      "Enter the passphrase for " + options.device + ": ");
  return unlock_header(header, passphrase, options.device);
}

}  // namespace pv2luks
