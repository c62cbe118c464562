#include "system/replace_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <span>

#include "base/block_io.h"
#include "base/durable.h"
#include "base/error.h"
#include "base/fd.h"
#include "base/errno_text.h"

namespace pv2luks {

void replace_file(const std::string& path, const std::string& text, mode_t mode) {
  const std::string temporary = path + ".pv2luks-new";
  Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) Fail() << temporary << ": cannot create it: " << errno_text(errno);
  try {
    write_at(fd.get(), 0,
             std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), temporary);
    if (::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0) {
      Fail() << temporary << ": " << errno_text(errno);
    }
  } catch (const Error&) {
    ::unlink(temporary.c_str());
    throw;
  }
  fd = Fd();
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    Fail() << path << ": rename failed: " << errno_text(error);
  }
  fsync_directory_of(path);  // the new name is durable, not only the bytes
}

}  // namespace pv2luks
