// What kind of disk image a file is, told from its first bytes: qcow2 (its
// magic "QFI\xfb") or raw; block devices are raw disks too. For qcow2 the
// big-endian header says the virtual disk's size and whether the image stands
// alone: one with a backing file, an external data file or qcow2 encryption,
// one marked corrupt, and one shorter than its header says are refused.
// Pure: bytes in, values or Errors out, through a ReadAt.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/read_at.h"

namespace pv2luks {

enum class ImageFormat { raw, qcow2, block };

// "raw", "qcow2", "block".
const char* format_name(ImageFormat format);

inline constexpr std::uint32_t kQcow2Magic = 0x514649fb;  // "QFI\xfb"
inline constexpr std::uint64_t kQcow2MagicBytes = 4;
inline constexpr std::uint64_t kQcow2V2HeaderBytes = 72;
inline constexpr std::uint64_t kQcow2V3HeaderBytes = 104;  // the least a version 3 header has
inline constexpr std::uint64_t kQcow2L1EntryBytes = 8;  // one L1 (or L2) table entry
inline constexpr std::uint32_t kQcow2BackingNameMaxBytes = 1023;  // as QEMU allows

// qcow2 crypt_method values.
inline constexpr std::uint32_t kQcow2CryptNone = 0;
inline constexpr std::uint32_t kQcow2CryptAes = 1;
inline constexpr std::uint32_t kQcow2CryptLuks = 2;

// qcow2 incompatible feature bits we act on.
inline constexpr std::uint64_t kQcow2CorruptBit = std::uint64_t{1} << 1;
inline constexpr std::uint64_t kQcow2ExternalDataFileBit = std::uint64_t{1} << 2;
inline constexpr std::uint64_t kQcow2ExtendedL2Bit = std::uint64_t{1} << 4;

// The fields of the fixed qcow2 header pv2luks looks at.
struct Qcow2Header {
  std::uint32_t version = 0;
  std::uint64_t backing_file_offset = 0;
  std::uint32_t backing_file_size = 0;
  std::uint32_t cluster_bits = 0;
  std::uint64_t size_bytes = 0;  // the virtual disk
  std::uint32_t crypt_method = kQcow2CryptNone;
  std::uint32_t l1_size = 0;  // entries of 8 bytes
  std::uint64_t l1_table_offset = 0;
  std::uint64_t refcount_table_offset = 0;
  std::uint32_t refcount_table_clusters = 0;
  std::uint32_t nb_snapshots = 0;  // internal snapshots
  std::uint64_t snapshots_offset = 0;
  std::uint64_t incompatible_features = 0;  // version 3; 0 for version 2
  std::uint32_t header_length = 0;          // version 3; 72 for version 2
};

// True when `first_bytes` begin with the qcow2 magic.
bool has_qcow2_magic(std::span<const std::uint8_t> first_bytes);

// Parses the fixed header from `bytes` (the file's first bytes, at least
// kQcow2V3HeaderBytes of them when the file has that many). An Error names
// `path` when the bytes are too few for the version, the version is not 2 or 3,
// or the cluster size is not one QEMU makes.
Qcow2Header parse_qcow2_header(std::span<const std::uint8_t> bytes, const std::string& path);

// An Error naming `path` when a file of `file_size_bytes` is shorter than the
// header, the backing file name, the L1 table or the refcount table reach.
void check_qcow2_extents(const Qcow2Header& header, std::uint64_t file_size_bytes,
                         const std::string& path);

// An Error, with what to do instead, for an image pv2luks must not convert on
// its own: a backing file (named `backing_name`), encryption, an external data
// file, the corrupt mark.
void check_qcow2_standalone(const Qcow2Header& header, const std::string& backing_name,
                            const std::string& path);

// Reads, parses and checks the header of the qcow2 file `path` of
// `file_size_bytes` through `read`: all of the above. Returns the header.
Qcow2Header read_qcow2_header(const ReadAt& read, std::uint64_t file_size_bytes,
                              const std::string& path);

// raw or qcow2 for a regular file of `file_size_bytes` (shorter than the magic: raw).
ImageFormat detect_file_format(const ReadAt& read, std::uint64_t file_size_bytes);

// The first bytes pv2luks reads to tell other formats QEMU opens.
inline constexpr std::uint64_t kFormatProbeBytes = 512;

// QEMU's name for another image format that a file of `file_size_bytes`
// begins as ("vmdk", "vdi", "vhdx", "vpc", "qed"), told by its magic (a
// VMDK descriptor file by its first line); "" for none of them. pv2luks
// converts raw and qcow2 only: one of these, read as a raw disk, would be
// the format's own metadata, not the guest's disk.
std::string foreign_image_format(const ReadAt& read, std::uint64_t file_size_bytes);

}  // namespace pv2luks
