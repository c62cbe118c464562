// The key of an interrupted conversion, for both resumes: the caller's
// confirmation, then the staged header opened by its TPM2 token or by the
// passphrase (ResumeOptions::key_file, token_only).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/secure_buffer.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

// nullopt when the caller did not confirm. An Error (a refusal: nothing is
// written) when neither the token nor the passphrase opens `header`. `say`
// tells which opened it, or why the token did not. With `keep_passphrase`
// (--guest-config) the passphrase is moved there (and the token is not
// tried: the guest's configuration needs the passphrase).
std::optional<SecureBuffer> resume_volume_key(const ResumeOptions& options,
                                              const std::vector<std::uint8_t>& header,
                                              const MessageFn& say,
                                              SecureBuffer* keep_passphrase = nullptr);

}  // namespace pv2luks
