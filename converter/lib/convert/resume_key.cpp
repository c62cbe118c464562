#include "convert/resume_key.h"

#include "journal/journal_state.h"
#include "luks/passphrase.h"

namespace pv2luks {

std::optional<SecureBuffer> resume_volume_key(const ResumeOptions& options,
                                              const std::vector<std::uint8_t>& header,
                                              SecureBuffer* keep_passphrase) {
  if (options.confirm && !options.confirm("This resumes the conversion of " + options.device +
                                          " to LUKS from its journal.")) {
    return std::nullopt;
  }
  SecureBuffer passphrase =
      read_passphrase(passphrase_source(options.key_file), PassphrasePurpose::kExisting,
                      "Enter the passphrase for " + options.device + ": ");
  SecureBuffer volume_key = unlock_header(header, passphrase, options.device);
  if (keep_passphrase) *keep_passphrase = std::move(passphrase);
  return volume_key;
}

}  // namespace pv2luks
