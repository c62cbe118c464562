// The file writer: rewrites load-NNN.dat in a mounted directory, one durable
// replacement (temp file, fsync, rename, fsync directory) per call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace harness::load {

// dir/load-007.dat
std::filesystem::path load_file_path(const std::filesystem::path& dir, std::uint64_t index);

class FileTarget {
 public:
  // Checks that `dir` is a writable directory (a usage Error otherwise).
  FileTarget(const std::filesystem::path& dir, std::uint64_t file_size_bytes);

  const std::filesystem::path& dir() const { return dir_; }

  // Replaces file `index` with its content for (seed, index, generation);
  // durable when it returns. Returns the payload's sha256.
  std::string write(std::uint64_t seed, std::uint64_t index, std::uint64_t generation);

 private:
  std::filesystem::path dir_;
  std::string buffer_;
};

}  // namespace harness::load
