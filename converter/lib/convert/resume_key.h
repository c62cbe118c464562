// The key of an interrupted conversion, for both resumes: the caller's
// confirmation, the passphrase, and the staged header opened with it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/secure_buffer.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

// nullopt when the caller did not confirm. An Error (a refusal: nothing is
// written) when the passphrase cannot be read or does not open `header`.
// With `keep_passphrase` (--guest-config) the passphrase is moved there.
std::optional<SecureBuffer> resume_volume_key(const ResumeOptions& options,
                                              const std::vector<std::uint8_t>& header,
                                              SecureBuffer* keep_passphrase = nullptr);

}  // namespace pv2luks
