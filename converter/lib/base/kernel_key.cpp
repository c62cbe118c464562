#include "base/kernel_key.h"

#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "base/errno_text.h"

namespace pv2luks {

KernelKey::KernelKey(const std::string& description, const SecureBuffer& key)
    : description_(description) {
  serial_ = ::syscall(__NR_add_key, "logon", description.c_str(), key.data(), key.size_bytes(),
                      KEY_SPEC_THREAD_KEYRING);
  if (serial_ < 0) {
    Fail() << "adding the volume key to the kernel keyring failed: " << errno_text(errno)
           << " (is CONFIG_KEYS set?)";
  }
}

KernelKey::~KernelKey() {
  if (serial_ >= 0) ::syscall(__NR_keyctl, KEYCTL_REVOKE, serial_);
}

}  // namespace pv2luks
