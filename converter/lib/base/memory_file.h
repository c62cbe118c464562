// An anonymous in-memory file (memfd): where a LUKS header is built or
// unpacked before it goes to the disk. Never a file in /tmp or on a tmpfs
// that someone could read or that outlives the process.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pv2luks {

class MemoryFile {
 public:
  explicit MemoryFile(const char* name);
  ~MemoryFile();
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  // A path libraries can open: /proc/self/fd/N.
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }
  // The path a child process opens it by (as root): /proc/PID/fd/N of this
  // process, since the descriptor itself is not inherited.
  std::string path_for_children() const;
  int fd() const { return fd_; }
  std::vector<std::uint8_t> read_all() const;
  void write_all(const std::vector<std::uint8_t>& bytes);

 private:
  int fd_;
};

}  // namespace pv2luks
