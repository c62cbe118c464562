// SHA-256 through OpenSSL EVP, of byte ranges of files and block devices.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace harness {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t size_bytes);
  std::string hex();  // finishes the digest

 private:
  struct Impl;
  Impl* impl_;
};

std::string sha256_hex(std::string_view data);

// Hashes `length_bytes` bytes of `path` from `offset_bytes` on (the whole file
// or device when length_bytes is 0 and offset_bytes is 0). A short read is an
// Error naming the path.
std::string sha256_file_range(const std::string& path, std::uint64_t offset_bytes = 0,
                              std::uint64_t length_bytes = 0);

// Size of a regular file or block device.
std::uint64_t file_or_device_size_bytes(const std::string& path);

}  // namespace harness
