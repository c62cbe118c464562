// SHA-256 through OpenSSL EVP. Shared by the library (journal checksums) and
// the harness (checksums of LVs and images).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pv2luks {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t size_bytes);
  std::array<std::uint8_t, 32> digest();  // finishes the digest
  std::string hex();                      // finishes the digest, as 64 hex digits

 private:
  struct Impl;
  Impl* impl_;
};

std::string sha256_hex(std::string_view data);
std::array<std::uint8_t, 32> sha256_digest(std::string_view data);

}  // namespace pv2luks
