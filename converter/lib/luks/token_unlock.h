// The volume key from a LUKS2 header's systemd-tpm2 token, for a resume
// with nobody at the console: libcryptsetup runs systemd's token plugin
// (libcryptsetup-token-systemd-tpm2.so), which asks the TPM to unseal the
// keyslot's passphrase under the token's PCR policy.
#pragma once

#include <string>

#include "base/secure_buffer.h"

namespace pv2luks {

// The token type systemd-cryptenroll enrols (luks/tpm2_enrol.h).
inline constexpr const char* kTpm2TokenType = "systemd-tpm2";

// The volume key of the header at `path`, opened by its systemd-tpm2 token.
// An Error naming what failed when it does not open: no such token, no TPM
// or no token plugin, a TPM whose PCRs or seed differ (another machine), or
// a token that wants a PIN.
SecureBuffer unlock_volume_key_by_tpm2(const std::string& path);

}  // namespace pv2luks
