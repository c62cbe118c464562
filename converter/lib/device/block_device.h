// The device to convert, as the kernel sees it: checks made before anything
// is written, and the lock that keeps a second pv2luks off it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace pv2luks {

struct BlockDevice {
  std::string path;
  dev_t dev = 0;
  std::uint64_t size_bytes = 0;
  std::uint32_t logical_sector_bytes = 512;
  bool read_only = false;
};

// Opens PATH read-only and reads its identity and geometry. An Error says
// "missing" or "not a block device" in words a user can act on.
BlockDevice inspect_block_device(const std::string& path);

// True when the device holds a LUKS header, as blkid finds one
// (base/probe_luks.h): a primary at byte 0, or a LUKS2 secondary.
bool starts_with_luks_header(const std::string& path);

// An exclusive, non-blocking lock on the device (flock on
// /run/lock/pv2luks/MAJ:MIN.lock), held while this object lives. A second
// pv2luks on the same device gets an Error naming the holder's pid.
class DeviceLock {
 public:
  explicit DeviceLock(const BlockDevice& device, const std::string& lock_dir = "/run/lock/pv2luks");
  ~DeviceLock();
  DeviceLock(const DeviceLock&) = delete;
  DeviceLock& operator=(const DeviceLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace pv2luks
