#include "image/image_format.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "image/big_endian.h"
#include "image/little_endian.h"

namespace pv2luks {

namespace {

// QEMU's limits on cluster_bits (512 bytes to 2 MiB).
constexpr std::uint32_t kMinClusterBits = 9;
constexpr std::uint32_t kMaxClusterBits = 21;

[[noreturn]] void fail_truncated(const std::string& path, std::uint64_t have_bytes,
                                 const std::string& what, std::uint64_t need_bytes) {
  Fail() << path << " is truncated: it has " << have_bytes << " bytes, but " << what
         << " needs " << need_bytes << "; the image is damaged or was cut short by a copy";
}

// Offset + length, or UINT64_MAX when that overflows (and so lies past any file).
std::uint64_t end_of(std::uint64_t offset_bytes, std::uint64_t length_bytes) {
  if (length_bytes > UINT64_MAX - offset_bytes) return UINT64_MAX;
  return offset_bytes + length_bytes;
}

void check_within(std::uint64_t file_size_bytes, std::uint64_t offset_bytes,
                  std::uint64_t length_bytes, const std::string& what, const std::string& path) {
  const std::uint64_t end_bytes = end_of(offset_bytes, length_bytes);
  if (end_bytes > file_size_bytes) fail_truncated(path, file_size_bytes, what, end_bytes);
}

std::string read_backing_name(const ReadAt& read, const Qcow2Header& header) {
  std::vector<std::uint8_t> name(header.backing_file_size);
  if (!name.empty()) read(header.backing_file_offset, name);
  return {name.begin(), name.end()};
}

}  // namespace

const char* format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::raw: return "raw";
    case ImageFormat::qcow2: return "qcow2";
    case ImageFormat::block: return "block";
  }
  return "?";
}

bool has_qcow2_magic(std::span<const std::uint8_t> first_bytes) {
  return first_bytes.size() >= kQcow2MagicBytes && be32(first_bytes, 0) == kQcow2Magic;
}

Qcow2Header parse_qcow2_header(std::span<const std::uint8_t> bytes, const std::string& path) {
  if (!has_qcow2_magic(bytes)) Fail() << path << ": not a qcow2 image (no QFI\\xfb magic)";
  if (bytes.size() < kQcow2V2HeaderBytes) {
    fail_truncated(path, bytes.size(), "the qcow2 header", kQcow2V2HeaderBytes);
  }
  Qcow2Header header;
  header.version = be32(bytes, 4);
  if (header.version != 2 && header.version != 3) {
    Fail() << path << ": qcow2 version " << header.version
           << " is not one pv2luks knows (2 or 3); convert it with qemu-img to a current qcow2";
  }
  header.backing_file_offset = be64(bytes, 8);
  header.backing_file_size = be32(bytes, 16);
  header.cluster_bits = be32(bytes, 20);
  header.size_bytes = be64(bytes, 24);
  header.crypt_method = be32(bytes, 32);
  header.l1_size = be32(bytes, 36);
  header.l1_table_offset = be64(bytes, 40);
  header.refcount_table_offset = be64(bytes, 48);
  header.refcount_table_clusters = be32(bytes, 56);
  header.nb_snapshots = be32(bytes, 60);
  header.snapshots_offset = be64(bytes, 64);
  header.header_length = kQcow2V2HeaderBytes;
  if (header.version == 3) {
    if (bytes.size() < kQcow2V3HeaderBytes) {
      fail_truncated(path, bytes.size(), "the qcow2 version 3 header", kQcow2V3HeaderBytes);
    }
    header.incompatible_features = be64(bytes, 72);
    header.header_length = be32(bytes, 100);
    if (header.header_length < kQcow2V3HeaderBytes) {
      Fail() << path << ": qcow2 header_length " << header.header_length
             << " is shorter than a version 3 header (" << kQcow2V3HeaderBytes
             << "); the image is damaged";
    }
  }
  if (header.cluster_bits < kMinClusterBits || header.cluster_bits > kMaxClusterBits) {
    Fail() << path << ": qcow2 cluster_bits " << header.cluster_bits << " is outside "
           << kMinClusterBits << ".." << kMaxClusterBits << "; the image is damaged";
  }
  return header;
}

void check_qcow2_extents(const Qcow2Header& header, std::uint64_t file_size_bytes,
                         const std::string& path) {
  check_within(file_size_bytes, 0, header.header_length, "its qcow2 header", path);
  if (header.backing_file_offset != 0) {
    if (header.backing_file_size > kQcow2BackingNameMaxBytes) {
      Fail() << path << ": qcow2 backing file name of " << header.backing_file_size
             << " bytes is longer than QEMU allows (" << kQcow2BackingNameMaxBytes
             << "); the image is damaged";
    }
    check_within(file_size_bytes, header.backing_file_offset, header.backing_file_size,
                 "its backing file name", path);
  }
  if (header.l1_size != 0) {
    check_within(file_size_bytes, header.l1_table_offset, header.l1_size * kQcow2L1EntryBytes,
                 "its L1 table", path);
  }
  const std::uint64_t refcount_table_bytes = std::uint64_t{header.refcount_table_clusters}
                                             << header.cluster_bits;
  check_within(file_size_bytes, header.refcount_table_offset, refcount_table_bytes,
               "its refcount table", path);
}

void check_qcow2_standalone(const Qcow2Header& header, const std::string& backing_name,
                            const std::string& path) {
  if (header.backing_file_offset != 0) {
    Fail() << path << " has a backing file (" << backing_name
           << "): convert a standalone image, e.g. `qemu-img convert -O qcow2 " << path
           << " NEW`";
  }
  if (header.crypt_method != kQcow2CryptNone) {
    Fail() << path << " is an encrypted qcow2 image ("
           << (header.crypt_method == kQcow2CryptLuks ? "qcow2 LUKS"
               : header.crypt_method == kQcow2CryptAes ? "legacy qcow2 AES"
                                                       : "unknown method")
           << "): pv2luks converts plaintext images; decrypt it first with qemu-img convert";
  }
  if (header.incompatible_features & kQcow2ExternalDataFileBit) {
    Fail() << path << " keeps its data in an external data file: convert a standalone image, "
           << "e.g. `qemu-img convert -O qcow2 " << path << " NEW`";
  }
  if (header.incompatible_features & kQcow2CorruptBit) {
    Fail() << path << " is marked corrupt by QEMU: repair it first (`qemu-img check -r all "
           << path << "`) and check the guest's data";
  }
}

Qcow2Header read_qcow2_header(const ReadAt& read, std::uint64_t file_size_bytes,
                              const std::string& path) {
  std::vector<std::uint8_t> bytes(std::min(file_size_bytes, kQcow2V3HeaderBytes));
  read(0, bytes);
  const Qcow2Header header = parse_qcow2_header(bytes, path);
  check_qcow2_extents(header, file_size_bytes, path);
  const std::string backing_name =
      header.backing_file_offset != 0 ? read_backing_name(read, header) : "";
  check_qcow2_standalone(header, backing_name, path);
  return header;
}

ImageFormat detect_file_format(const ReadAt& read, std::uint64_t file_size_bytes) {
  if (file_size_bytes < kQcow2MagicBytes) return ImageFormat::raw;
  std::uint8_t magic[kQcow2MagicBytes];
  read(0, magic);
  return has_qcow2_magic(magic) ? ImageFormat::qcow2 : ImageFormat::raw;
}

}  // namespace pv2luks

namespace pv2luks {

namespace {

bool begins_with(std::span<const std::uint8_t> bytes, std::string_view magic) {
  return bytes.size() >= magic.size() &&
         std::equal(magic.begin(), magic.end(), bytes.begin(),
                    [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
}

constexpr std::uint64_t kVdiSignatureAt = 0x40;
constexpr std::uint32_t kVdiSignature = 0xbeda107f;

}  // namespace

std::string foreign_image_format(const ReadAt& read, std::uint64_t file_size_bytes) {
  std::vector<std::uint8_t> head(std::min(file_size_bytes, kFormatProbeBytes));
  if (head.empty()) return "";
  read(0, head);
  const std::span<const std::uint8_t> bytes(head);
  if (begins_with(bytes, "KDMV") || begins_with(bytes, "COWD") ||
      begins_with(bytes, "# Disk DescriptorFile")) {
    return "vmdk";
  }
  if (bytes.size() >= kVdiSignatureAt + 4 && le32(bytes.data() + kVdiSignatureAt) == kVdiSignature) {
    return "vdi";
  }
  if (begins_with(bytes, "vhdxfile")) return "vhdx";
  if (begins_with(bytes, "conectix")) return "vpc";
  if (begins_with(bytes, std::string_view("QED\0", 4))) return "qed";
  return "";
}

}  // namespace pv2luks
