// dm-crypt's aes-xts-plain64 in userspace (OpenSSL EVP), for converting
// images and unused devices offline, where there is no device-mapper.
//
// The data is cut into encryption sectors of sector_bytes (512..4096, a power
// of two). Each is one XTS data unit whose IV ("plain64") is a sector number
// as 64-bit little-endian, zero-padded to 16 bytes. Which number:
//   - dm-crypt counts in 512-byte sectors whatever the encryption sector size:
//     the IV of an encryption sector is the 512-byte sector number of its
//     first byte (always a multiple of sector_bytes / 512);
//   - only with the dm-crypt option `iv_large_sectors` is it counted in
//     sector_bytes units (the 512-byte number divided by sector_bytes / 512).
// Numbers are relative to the start of the encrypted data area (dm-crypt's
// iv_offset is 0 for LUKS), not to the start of the disk.
//
// LUKS2 with --sector-size 4096 does NOT use iv_large_sectors: cryptsetup's
// LUKS2 activation (lib/luks2/luks2_json_metadata.c, LUKS2_activate) builds
// `crypt aes-xts-plain64 <key> 0 <dev> <offset> 1 sector_size:4096` and adds
// only the persistent flags a LUKS2 header can store (allow-discards,
// same-cpu-crypt, submit-from-crypt-cpus, no-journal, no-read-workqueue,
// no-write-workqueue, high_priority); iv_large_sectors is set only by
// `cryptsetup open --type plain --iv-large-sectors` and by BitLocker. Its own
// userspace reencryption (lib/utils_storage_wrappers.c) likewise counts IVs in
// 512-byte sectors. So for LUKS1 and LUKS2 pass iv_large_sectors = false;
// tests/unit/test_crypto_xts.cpp proves both sector sizes against the
// ciphertext `cryptsetup reencrypt --encrypt` writes.
//
// The key is copied into a SecureBuffer (locked, wiped). OpenSSL keeps its own
// key schedule in its context; EVP_CIPHER_CTX_free wipes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/secure_buffer.h"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX

namespace pv2luks {

class XtsCipher {
 public:
  // volume_key: 32 bytes (AES-128-XTS) or 64 bytes (AES-256-XTS). Error on
  // another key size, a sector size dm-crypt does not allow, or a key OpenSSL
  // refuses (equal halves).
  XtsCipher(std::span<const std::uint8_t> volume_key, std::uint32_t sector_bytes,
            bool iv_large_sectors);
  ~XtsCipher();
  XtsCipher(const XtsCipher&) = delete;
  XtsCipher& operator=(const XtsCipher&) = delete;

  // In place. data.size() is a multiple of sector_bytes; first_sector_512 is
  // the 512-byte sector number (in the data area) of data[0], a multiple of
  // sector_bytes / 512. Error otherwise. No allocation.
  void encrypt(std::span<std::uint8_t> data, std::uint64_t first_sector_512);
  void decrypt(std::span<std::uint8_t> data, std::uint64_t first_sector_512);

  // A second cipher with the same key and sectors, for another thread (one
  // XtsCipher is used by one thread at a time).
  std::unique_ptr<XtsCipher> twin() const;

  std::uint32_t sector_bytes() const { return sector_bytes_; }
  std::size_t key_bytes() const { return key_.size_bytes(); }

 private:
  void crypt(evp_cipher_ctx_st* ctx, std::span<std::uint8_t> data, std::uint64_t first_sector_512,
             const char* operation);

  SecureBuffer key_;
  std::uint32_t sector_bytes_;
  bool iv_large_sectors_;
  unsigned iv_shift_;  // log2(sector_bytes / 512) with iv_large_sectors, else 0
  evp_cipher_ctx_st* encrypt_ctx_ = nullptr;
  evp_cipher_ctx_st* decrypt_ctx_ = nullptr;
};

// Why a LUKS data segment cannot be converted offline by XtsCipher: empty when
// cipher_spec is "aes-xts-plain64" with a 32- or 64-byte key, otherwise one
// sentence naming what is not supported.
std::string xts_support_problem(const std::string& cipher_spec, std::size_t key_bytes);

}  // namespace pv2luks
