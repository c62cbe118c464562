#include "crypto/xts.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <array>
#include <bit>
#include <cstring>
#include <limits>

#include "base/error.h"
#include "base/sector.h"

namespace pv2luks {
namespace {

constexpr std::uint32_t kMaxSectorBytes = 4096;  // dm-crypt's largest sector_size
constexpr std::size_t kIvBytes = 16;

// The oldest OpenSSL error as text, and the queue emptied.
std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no OpenSSL error reported";
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

const EVP_CIPHER* xts_cipher_for(std::size_t key_bytes) {
  if (key_bytes == 32) return EVP_aes_128_xts();
  if (key_bytes == 64) return EVP_aes_256_xts();
  Fail() << "aes-xts-plain64: a " << key_bytes * 8 << "-bit key is not supported (256 or 512 bits)";
}

void check_sector_bytes(std::uint32_t sector_bytes) {
  if (!std::has_single_bit(sector_bytes) || sector_bytes < kSectorBytes ||
      sector_bytes > kMaxSectorBytes) {
    Fail() << "aes-xts-plain64: sector size " << sector_bytes
           << " bytes is not supported (a power of two from 512 to 4096)";
  }
}

// A context keyed once for one direction; later calls only set the IV.
EVP_CIPHER_CTX* keyed_context(const EVP_CIPHER* cipher, const SecureBuffer& key, int encrypting) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) Fail() << "aes-xts-plain64: EVP_CIPHER_CTX_new failed: " << openssl_error();
  const std::array<std::uint8_t, kIvBytes> zero_iv{};
  if (EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), zero_iv.data(), encrypting) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    Fail() << "aes-xts-plain64: setting the key failed (are its two halves equal?): "
           << openssl_error();
  }
  return ctx;
}

void store_iv(std::array<std::uint8_t, kIvBytes>& iv, std::uint64_t number) {
  for (std::size_t i = 0; i < 8; ++i) iv[i] = static_cast<std::uint8_t>(number >> (8 * i));
}

}  // namespace

XtsCipher::XtsCipher(std::span<const std::uint8_t> volume_key, std::uint32_t sector_bytes,
                     bool iv_large_sectors)
    : sector_bytes_(sector_bytes), iv_large_sectors_(iv_large_sectors) {
  const EVP_CIPHER* cipher = xts_cipher_for(volume_key.size());
  check_sector_bytes(sector_bytes);
  iv_shift_ = iv_large_sectors ? std::countr_zero(sector_bytes / kSectorBytes) : 0;
  key_ = SecureBuffer(volume_key.size());
  std::memcpy(key_.data(), volume_key.data(), volume_key.size());
  encrypt_ctx_ = keyed_context(cipher, key_, 1);
  try {
    decrypt_ctx_ = keyed_context(cipher, key_, 0);
  } catch (...) {
    EVP_CIPHER_CTX_free(encrypt_ctx_);
    throw;
  }
}

XtsCipher::~XtsCipher() {
  EVP_CIPHER_CTX_free(encrypt_ctx_);
  EVP_CIPHER_CTX_free(decrypt_ctx_);
}

std::unique_ptr<XtsCipher> XtsCipher::twin() const {
  return std::make_unique<XtsCipher>(key_.bytes(), sector_bytes_, iv_large_sectors_);
}

void XtsCipher::encrypt(std::span<std::uint8_t> data, std::uint64_t first_sector_512) {
  crypt(encrypt_ctx_, data, first_sector_512, "encrypt");
}

void XtsCipher::decrypt(std::span<std::uint8_t> data, std::uint64_t first_sector_512) {
  crypt(decrypt_ctx_, data, first_sector_512, "decrypt");
}

void XtsCipher::crypt(EVP_CIPHER_CTX* ctx, std::span<std::uint8_t> data,
                      std::uint64_t first_sector_512, const char* operation) {
  const std::uint64_t iv_sectors_per_sector = sector_bytes_ / kSectorBytes;
  if (data.size() % sector_bytes_ != 0 || first_sector_512 % iv_sectors_per_sector != 0) {
    Fail() << "aes-xts-plain64: " << operation << " of " << data.size() << " bytes at sector "
           << first_sector_512 << " failed: not whole " << sector_bytes_ << "-byte sectors";
  }
  const std::uint64_t sectors = data.size() / sector_bytes_;
  if (sectors >
      (std::numeric_limits<std::uint64_t>::max() - first_sector_512) / iv_sectors_per_sector) {
    Fail() << "aes-xts-plain64: " << operation << " at sector " << first_sector_512
           << " failed: the sector number overflows";
  }
  std::array<std::uint8_t, kIvBytes> iv{};
  const int length = static_cast<int>(sector_bytes_);
  for (std::uint64_t i = 0; i < sectors; ++i) {
    const std::uint64_t sector_512 = first_sector_512 + i * iv_sectors_per_sector;
    store_iv(iv, sector_512 >> iv_shift_);
    std::uint8_t* unit = data.data() + i * sector_bytes_;
    int written = 0;
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv.data(), -1) != 1 ||
        EVP_CipherUpdate(ctx, unit, &written, unit, length) != 1 || written != length) {
      Fail() << "aes-xts-plain64: " << operation << " of sector " << sector_512
             << " failed: " << openssl_error();
    }
  }
}

std::string xts_support_problem(const std::string& cipher_spec, std::size_t key_bytes) {
  static const std::string kSupported = "aes-xts-plain64";
  if (cipher_spec != kSupported) {
    return "cipher " + cipher_spec + " is not supported offline: only " + kSupported +
           " (the LUKS default) is";
  }
  if (key_bytes != 32 && key_bytes != 64) {
    return kSupported + " with a " + std::to_string(key_bytes * 8) +
           "-bit key is not supported offline: only 256- or 512-bit keys are";
  }
  return "";
}

}  // namespace pv2luks
