#include "base/sha256.h"

#include <openssl/evp.h>

#include "base/error.h"

namespace pv2luks {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(new Impl) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(impl_->ctx);
    delete impl_;
    throw Error("sha256: EVP_DigestInit_ex failed");
  }
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(impl_->ctx);
  delete impl_;
}

void Sha256::update(const void* data, std::size_t size_bytes) {
  if (EVP_DigestUpdate(impl_->ctx, data, size_bytes) != 1) throw Error("sha256: update failed");
}

std::array<std::uint8_t, 32> Sha256::digest() {
  std::array<std::uint8_t, 32> out{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, out.data(), &length) != 1 || length != out.size()) {
    throw Error("sha256: final failed");
  }
  return out;
}

std::string Sha256::hex() {
  static const char kHex[] = "0123456789abcdef";
  std::string text;
  for (const std::uint8_t byte : digest()) {
    text += kHex[byte >> 4];
    text += kHex[byte & 15];
  }
  return text;
}

std::string sha256_hex(std::string_view data) {
  Sha256 sha;
  sha.update(data.data(), data.size());
  return sha.hex();
}

std::array<std::uint8_t, 32> sha256_digest(std::string_view data) {
  Sha256 sha;
  sha.update(data.data(), data.size());
  return sha.digest();
}

}  // namespace pv2luks
