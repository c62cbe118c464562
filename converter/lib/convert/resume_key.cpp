#include "convert/resume_key.h"

#include "base/error.h"
#include "journal/journal_state.h"
#include "luks/header.h"
#include "luks/passphrase.h"
#include "luks/token_unlock.h"

namespace pv2luks {

std::optional<SecureBuffer> resume_volume_key(const ResumeOptions& options,
                                              const std::vector<std::uint8_t>& header,
                                              const MessageFn& say,
                                              SecureBuffer* keep_passphrase) {
  if (options.confirm && !options.confirm("This resumes the conversion of " + options.device +
                                          " to LUKS from its journal.")) {
    return std::nullopt;
  }
  const bool try_token = !options.key_file && !keep_passphrase && !options.disable_external_tokens;
  if (try_token && header_has_token(header, kTpm2TokenType)) {
    try {
      SecureBuffer volume_key = unlock_header_by_tpm2(header, options.device);
      say(options.device + ": the staged LUKS header opened by its TPM2 token");
      return volume_key;
    } catch (const Error& e) {
      if (options.token_only) {
        Fail(e.reason()) << e.what() << "; give the recovery key instead: --key-file FILE";
      }
      say(std::string(e.what()) + "; asking for the passphrase or recovery key instead");
    }
  } else if (options.token_only) {
    Fail(RefuseReason::kBadPassphrase)
        << options.device << ": --token-only, but the staged LUKS header has no "
        << kTpm2TokenType << " token (convert enrols one with --tpm2-device); give the "
        << "passphrase instead";
  }
  SecureBuffer passphrase =
      read_passphrase(passphrase_source(options.key_file), PassphrasePurpose::kExisting,
                      "Enter the passphrase for " + options.device + ": ");
  SecureBuffer volume_key = unlock_header(header, passphrase, options.device);
  if (keep_passphrase) *keep_passphrase = std::move(passphrase);
  return volume_key;
}

}  // namespace pv2luks
