#include "base/memory_file.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/errno_text.h"
#include "base/error.h"

namespace pv2luks {

MemoryFile::MemoryFile(const char* name) : fd_(::memfd_create(name, MFD_CLOEXEC)) {
  if (fd_ < 0) Fail() << "memfd_create failed: " << errno_text(errno);
}

MemoryFile::~MemoryFile() { ::close(fd_); }

std::string MemoryFile::path_for_children() const {
  return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd_);
}

std::vector<std::uint8_t> MemoryFile::read_all() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) Fail() << "memfd stat failed: " << errno_text(errno);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
  if (::pread(fd_, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    Fail() << "memfd read failed: " << errno_text(errno);
  }
  return bytes;
}

void MemoryFile::write_all(const std::vector<std::uint8_t>& bytes) {
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    Fail() << "memfd write failed: " << errno_text(errno);
  }
}

}  // namespace pv2luks
