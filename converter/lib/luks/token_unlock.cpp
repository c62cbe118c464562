#include "luks/token_unlock.h"

#include <cerrno>
#include <memory>

#include "base/errno_text.h"
#include "base/error.h"
#include "luks/crypt_device.h"

namespace pv2luks {

namespace {

// libcryptsetup's token errors (libcryptsetup.h, crypt_activate_by_token_pin),
// said for an admin.
std::string token_error_text(int error) {
  switch (error) {
    case ENOENT:
      return "no systemd-tpm2 token opens a keyslot of it (none there, or its token plugin "
             "libcryptsetup-token-systemd-tpm2.so is missing)";
    case EPERM:
      return "the TPM unsealed a passphrase that opens no keyslot";
    case ENOANO:
      return "its systemd-tpm2 token needs a PIN";
    case EAGAIN:
      return "the token's device is not there (no TPM 2.0 at /dev/tpmrm0)";
    case EOPNOTSUPP:
      return "the token plugin cannot reach the TPM: its TSS libraries (libtss2-esys, "
             "libtss2-rc, libtss2-mu and what they link) are missing here";
    default:
      return "the TPM did not unseal its key (" + errno_text(error) +
             "): another machine's TPM, or the PCRs it was sealed to changed";
  }
}

}  // namespace

SecureBuffer unlock_volume_key_by_tpm2(const std::string& path) {
  CryptDevice cd(path);
  cd.check(crypt_load(cd.get(), CRYPT_LUKS2, nullptr), "crypt_load");
  crypt_keyslot_context* raw_context = nullptr;
  cd.check(crypt_keyslot_context_init_by_token(cd.get(), CRYPT_ANY_TOKEN, kTpm2TokenType, nullptr,
                                                0, nullptr, &raw_context),
           "crypt_keyslot_context_init_by_token");
  const std::unique_ptr<crypt_keyslot_context, void (*)(crypt_keyslot_context*)> context(
      raw_context, crypt_keyslot_context_free);
  const int key_bytes = crypt_get_volume_key_size(cd.get());
  if (key_bytes <= 0) Fail() << path << ": the header names no volume key size";
  SecureBuffer volume_key(static_cast<std::size_t>(key_bytes));
  std::size_t size_bytes = volume_key.size_bytes();
  const int result = crypt_volume_key_get_by_keyslot_context(
      cd.get(), CRYPT_ANY_SLOT, reinterpret_cast<char*>(volume_key.data()), &size_bytes,
      context.get());
  if (result < 0) Fail(RefuseReason::kBadPassphrase) << path << ": " << token_error_text(-result);
  volume_key.shrink(size_bytes);
  return volume_key;
}

}  // namespace pv2luks
