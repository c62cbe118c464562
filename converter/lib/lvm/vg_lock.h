// LVM's own lock on a volume group, taken the way the lvm tools take it
// (flock LOCK_EX on LOCKING_DIR/V_<vg>, LOCKING_DIR from lvmconfig), so that
// no lvm command changes the VG, or reloads its LVs, while pv2luks swaps
// their tables. Never run an lvm command that writes the VG while holding
// it: that command would wait for this lock forever.
#pragma once

#include <string>

namespace pv2luks {

class VgLock {
 public:
  // Waits for the lock. Error naming the lock file when it cannot be taken.
  explicit VgLock(const std::string& vg);
  ~VgLock();
  VgLock(const VgLock&) = delete;
  VgLock& operator=(const VgLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace pv2luks
