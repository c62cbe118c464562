// The volume key in the kernel keyring, so dm-crypt tables name it
// (":64:logon:pv2luks:vdb") instead of carrying its bytes: `dmsetup table`
// never shows it, with or without --showkeys. A "logon" key cannot be read
// back from userspace. It sits in this thread's keyring, where dm-crypt looks
// when a table is loaded from this thread, and is unlinked when this object
// dies.
#pragma once

#include <string>

#include "base/secure_buffer.h"

namespace pv2luks {

class KernelKey {
 public:
  KernelKey(const std::string& description, const SecureBuffer& key);
  ~KernelKey();
  KernelKey(const KernelKey&) = delete;
  KernelKey& operator=(const KernelKey&) = delete;
  const std::string& description() const { return description_; }

 private:
  std::string description_;
  long serial_ = -1;
};

}  // namespace pv2luks
