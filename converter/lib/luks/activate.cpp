#include "luks/activate.h"

#include "luks/crypt_device.h"

namespace pv2luks {

bool volume_key_matches(const std::string& path, const SecureBuffer& volume_key) {
  CryptDevice cd(path);
  cd.check(crypt_load(cd.get(), CRYPT_LUKS, nullptr), "crypt_load");
  return crypt_volume_key_verify(cd.get(), volume_key.chars(), volume_key.size_bytes()) >= 0;
}

void activate_with_volume_key(const std::string& path, const std::string& name,
                              const SecureBuffer& volume_key) {
  CryptDevice cd(path);
  cd.check(crypt_load(cd.get(), CRYPT_LUKS, nullptr), "crypt_load");
  // Shared: the disk is already held (by flattened LVs), so the exclusive
  // open libcryptsetup makes by default would fail with EBUSY.
  cd.check(crypt_activate_by_volume_key(cd.get(), name.c_str(), volume_key.chars(),
                                        volume_key.size_bytes(), CRYPT_ACTIVATE_SHARED),
           "crypt_activate_by_volume_key");
}

}  // namespace pv2luks
