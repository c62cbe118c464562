// LUKS headers for an in-place conversion.
//
// pv2luks shifts the PV's data toward the end of the device by the header
// size and writes the header in front at the end. So the header is built
// beforehand, into a file (or device) of exactly the header's size, by
// libcryptsetup itself: copied to the front of the device, it describes the
// data area starting `data_offset_sectors` into the device, encrypted with
// the given volume key, exactly as a header made by `cryptsetup luksFormat
// --offset` would.
//
// The encryption of the data area that such a header promises (checked
// against cryptsetup 2.6.1's own output by tests/unit/test_luks_header.cpp):
// aes-xts-plain64, IV = the 512-byte sector number counted from the start of
// the data area, as 64-bit little-endian in a zeroed 16-byte IV. With LUKS2
// 4096-byte encryption sectors the IV still counts 512-byte sectors (data
// byte offset / 512), not 4096-byte sectors (no iv_large_sectors in LUKS2).
//
// Layout arithmetic (cryptsetup 2.6: lib/luks1/keymanage.c, lib/luks2/
// luks2_json_format.c): a keyslot holds the volume key split into 4000 stripes,
// K*4000 bytes for a K-byte key, in a 4 KiB-aligned area.
//   LUKS1: 4 KiB of header, then 8 such areas:  4096 + 8*area bytes
//          (1032 / 2056 / 4040 sectors for 128 / 256 / 512-bit keys);
//          cryptsetup aligns the data to 1 MiB by default (2048 / 4096 sectors).
//   LUKS2: two copies of the binary header + JSON (the "metadata size",
//          16 KiB..4 MiB), then the keyslots area (4 KiB multiple, room for
//          one or more keyslot areas); default 16 MiB in all.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/secure_buffer.h"
#include "base/sector.h"

namespace pv2luks {

inline constexpr std::uint64_t kLuksAfStripes = 4000;
inline constexpr std::uint64_t kLuksKeyslotAlignmentBytes = 4096;
inline constexpr std::uint64_t kLuksDataAlignmentBytes = 1024 * 1024;  // cryptsetup's default
inline constexpr std::uint32_t kLuks1Keyslots = 8;
inline constexpr std::uint64_t kLuks1BinaryHeaderBytes = 4096;  // phdr, padded to the first area
inline constexpr std::uint32_t kLuks2MaxKeyslots = 32;
inline constexpr std::uint64_t kLuks2DefaultHeaderBytes = 16 * 1024 * 1024;
inline constexpr std::uint64_t kLuks2MinMetadataBytes = 16 * 1024;  // also the default
inline constexpr std::uint64_t kLuks2MaxMetadataBytes = 4 * 1024 * 1024;
inline constexpr std::uint64_t kLuks2MaxKeyslotsAreaBytes = 128 * 1024 * 1024;

enum class LuksType { kLuks1, kLuks2 };
std::string_view luks_type_name(LuksType type);  // "LUKS1", "LUKS2" (libcryptsetup's names)

// The version a binary LUKS header (its first bytes) declares: the 16-bit
// big-endian field after the 6-byte magic. Error when it is neither.
LuksType luks_type_of(const std::vector<std::uint8_t>& header);

// Whether the LUKS2 header `header` (its bytes, as staged in the journal)
// has a token of `type` ("systemd-tpm2"); false for LUKS1. libcryptsetup
// reads it from a memfd.
bool header_has_token(const std::vector<std::uint8_t>& header, const std::string& type);

// The dm UUID cryptsetup gives the active device `name` of a LUKS volume:
// "CRYPT-LUKS2-<uuid without dashes>-<name>". udev and cryptsetup-initramfs's
// hook know a crypt device by its "CRYPT" prefix (dmsetup's subsystem).
std::string cryptsetup_dm_uuid(LuksType type, const std::string& luks_uuid,
                               const std::string& name);

struct HeaderSpec {
  LuksType type = LuksType::kLuks2;
  std::string cipher = "aes";
  std::string cipher_mode = "xts-plain64";
  std::uint32_t key_size_bits = 512;
  // Where the data area starts (the shift), in 512-byte sectors; a multiple
  // of 8 (4 KiB), as libcryptsetup requires. Also the header's size.
  std::uint64_t data_offset_sectors = 0;
  std::uint32_t sector_size_bytes = 512;  // encryption sector; 512..4096 on LUKS2 only
  // Keyslot 0's PBKDF: "argon2id", "argon2i" or "pbkdf2"; empty means
  // libcryptsetup's default for the type (argon2id for LUKS2, pbkdf2 LUKS1).
  std::string pbkdf;
  std::string hash = "sha256";               // PBKDF2 hash, and the LUKS1 header hash
  std::uint32_t pbkdf_force_iterations = 0;  // non-zero: no benchmark (fast tests)
  std::uint32_t iter_time_ms = 0;            // benchmark target; 0: default (2 s)
  std::uint32_t pbkdf_memory_kib = 0;        // argon2 only; 0: default
  std::uint32_t pbkdf_parallel_threads = 0;  // argon2 only; 0: default
  // LUKS2 areas; 0 means libcryptsetup's choice: 16 KiB metadata, and the
  // keyslots area filling the rest up to the data offset (at most 128 MiB).
  std::uint64_t luks2_metadata_size_bytes = 0;
  std::uint64_t luks2_keyslots_size_bytes = 0;
  std::string label;  // LUKS2 only; empty: none
  std::string uuid;   // empty: a new random UUID
};

inline std::uint64_t header_size_bytes(const HeaderSpec& spec) {
  return spec.data_offset_sectors * kSectorBytes;
}

// The 4 KiB-aligned area one keyslot's split key needs.
std::uint64_t keyslot_area_bytes(std::uint32_t key_size_bits);
// The smallest header that holds one keyslot: LUKS1 always has all eight
// areas; LUKS2 with 16 KiB metadata and a keyslots area for one key.
std::uint64_t min_header_bytes(LuksType type, std::uint32_t key_size_bits);

struct HeaderChoice {
  bool fits = false;
  // type, key size, sector size, data offset and (LUKS2) area sizes filled
  // in; the PBKDF fields are left for the caller.
  HeaderSpec spec;
  std::uint32_t keyslots = 0;  // keyslots of this key size the header has room for
  std::string summary;         // which header and why, or why none fits
};

// The header for a device with `tail_room_bytes` free after its data (the
// most the data can be shifted by).
//   LUKS2: the default 16 MiB when it fits; else the largest of 8, 4, 2, 1 MiB
//   that fits; else, below 1 MiB, the largest 4 KiB multiple that fits, at
//   least min_header_bytes (one keyslot). Always 16 KiB metadata, the
//   keyslots area filling the rest.
//   LUKS1: cryptsetup's default, the minimum rounded up to 1 MiB (4096
//   sectors for 256 and 512-bit keys) when it fits, else the minimum.
// `fits` false, with the bytes needed in `summary`, when nothing fits.
HeaderChoice choose_header(LuksType type, std::uint64_t tail_room_bytes,
                           std::uint32_t key_size_bits = 512,
                           std::uint32_t sector_size_bytes = 512);

// What is wrong with `spec` for a volume key of `volume_key_bytes` on a
// device of `device_size_bytes`, or "" when nothing is. Pure; build_header
// checks it first.
std::string header_spec_problem(const HeaderSpec& spec, std::size_t volume_key_bytes,
                                std::uint64_t device_size_bytes);

struct BuiltHeader {
  std::uint64_t data_offset_sectors = 0;  // read back from libcryptsetup
  std::uint64_t header_bytes = 0;
  // The leading bytes that matter: the metadata and the active keyslots'
  // areas. The rest of the header (unused keyslot areas) libcryptsetup
  // fills with random bytes that no reader needs.
  std::uint64_t used_bytes = 0;
  int keyslot = 0;
  std::string uuid;
  std::vector<std::string> notes;  // libcryptsetup's warnings, e.g. a small keyslots area
};

// Formats a LUKS header per `spec` into `path` with `volume_key` and adds
// keyslot 0 opened by `passphrase`. `path` is a regular file (created 0600 if
// missing, else at most the header's size: it is extended to exactly the
// header's size; a bigger file is refused as it may hold data) or a block
// device of at least the header's size (only the header area is written).
// `device_size_bytes` is the size of the device the header will front: the
// data area behind the header must be non-empty and a whole number of
// encryption sectors. The file is fsync'ed before returning. Where the file
// lives is the caller's choice: not on tmpfs in production (the keyslot is as
// safe as the passphrase, but the header is the only way to the data).
// pv2luks::Error on any failure, with libcryptsetup's reason.
BuiltHeader build_header(const HeaderSpec& spec, const SecureBuffer& volume_key,
                         const SecureBuffer& passphrase, std::uint64_t device_size_bytes,
                         const std::string& path);

// BuiltHeader::used_bytes of the header at `path` as it is now: its
// metadata and the areas of every active keyslot (after a keyslot was added,
// say by systemd-cryptenroll).
std::uint64_t header_used_bytes(const std::string& path);

// The volume key from the header at `path` (a header file or a LUKS device),
// opened with `passphrase` through any keyslot. Error naming the path
// when no keyslot opens with it.
SecureBuffer unlock_volume_key(const std::string& path, const SecureBuffer& passphrase);

struct HeaderInfo {
  LuksType type = LuksType::kLuks2;
  std::string cipher;
  std::string cipher_mode;
  std::uint32_t key_size_bits = 0;
  std::uint64_t data_offset_sectors = 0;
  std::uint32_t sector_size_bytes = 0;
  std::string uuid;
  std::uint64_t luks2_metadata_size_bytes = 0;  // LUKS2 only
  std::uint64_t luks2_keyslots_size_bytes = 0;  // LUKS2 only
  bool reencrypting = false;  // LUKS2: `cryptsetup reencrypt` is in progress
};

// The header at `path`, as libcryptsetup reads it (crypt_load). No key needed.
HeaderInfo read_header(const std::string& path);

}  // namespace pv2luks
