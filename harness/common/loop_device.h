// A loop device over a byte range of a file (losetup), detached when it goes
// out of scope, also when the work that needed it fails. Offset and size 0
// mean the whole file. A read-only one (losetup --read-only) refuses writes.
#pragma once

#include <cstdint>
#include <string>

namespace harness {

class LoopDevice {
 public:
  LoopDevice(const std::string& file, std::uint64_t offset_bytes, std::uint64_t size_bytes,
             bool read_only = false);
  ~LoopDevice();  // detaches, ignoring errors (use detach() to see them)
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;

  const std::string& path() const { return path_; }
  void detach();

 private:
  std::string path_;
};

}  // namespace harness
