#include "load/file_target.h"

#include <fcntl.h>

#include <cstdio>

#include "common/error.h"
#include "common/posix_io.h"
#include "load/stamp.h"

namespace harness::load {

std::filesystem::path load_file_path(const std::filesystem::path& dir, std::uint64_t index) {
  char name[40];
  std::snprintf(name, sizeof name, "load-%03llu.dat", static_cast<unsigned long long>(index));
  return dir / name;
}

FileTarget::FileTarget(const std::filesystem::path& dir, std::uint64_t file_size_bytes)
    : dir_(dir), buffer_(file_size_bytes, '\0') {
  check_writable_directory(dir_, "--dir");
}

std::string FileTarget::write(std::uint64_t seed, std::uint64_t index, std::uint64_t generation) {
  const Stamp stamp{StampKind::kFile, seed, 0, index, generation, buffer_.size()};
  const std::string sha256 = write_stamp(stamp, buffer_);
  const std::filesystem::path path = load_file_path(dir_, index);
  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    const Fd fd = open_or_fail(temp, O_WRONLY | O_CREAT | O_TRUNC, kExitFailure);
    write_all(fd.get(), buffer_, temp);
    fsync_or_fail(fd.get(), temp);
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error)
    Fail() << temp.string() << ": rename to " << path.string() << " failed: " << error.message();
  fsync_directory(dir_);
  return sha256;
}

}  // namespace harness::load
