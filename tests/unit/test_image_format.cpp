// image/image_format: qcow2 headers synthesized byte by byte, and real images
// made by qemu-img (skipped when qemu-img is missing).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "error_of.h"
#include "base/error.h"
#include "base/fd.h"
#include "base/process.h"
#include "base/block_io.h"
#include "image/image_format.h"

namespace pv2luks {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMiB = 1024 * 1024;

void put_be32(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 3; i >= 0; --i, value >>= 8) bytes[offset + static_cast<std::size_t>(i)] = value & 0xff;
}

void put_be64(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint64_t value) {
  put_be32(bytes, offset, static_cast<std::uint32_t>(value >> 32));
  put_be32(bytes, offset + 4, static_cast<std::uint32_t>(value));
}

// A version 3 qcow2 file as qemu-img lays one out with 64 KiB clusters:
// header, refcount table in cluster 1, L1 table in cluster 3; 4 clusters long.
struct SynthQcow2 {
  std::uint32_t version = 3;
  std::uint64_t size_bytes = 64 * kMiB;
  std::uint32_t cluster_bits = 16;
  std::uint32_t crypt_method = 0;
  std::uint64_t incompatible = 0;
  std::string backing;  // stored after the header when set
  std::uint64_t backing_offset = 0;  // 0: right after the header
  std::uint32_t refcount_clusters = 1;
  std::uint64_t file_bytes = 4 << 16;

  std::vector<std::uint8_t> bytes() const {
    std::vector<std::uint8_t> file(file_bytes);
    std::vector<std::uint8_t> header(std::max<std::size_t>(file_bytes, 512));
    put_be32(header, 0, kQcow2Magic);
    put_be32(header, 4, version);
    put_be32(header, 20, cluster_bits);
    put_be64(header, 24, size_bytes);
    put_be32(header, 32, crypt_method);
    put_be32(header, 36, 1);                // l1_size
    put_be64(header, 40, 3u << 16);         // l1_table_offset
    put_be64(header, 48, 1u << 16);         // refcount_table_offset
    put_be32(header, 56, refcount_clusters);
    if (version == 3) {
      put_be64(header, 72, incompatible);
      put_be32(header, 96, 4);    // refcount_order
      put_be32(header, 100, 112);  // header_length
    }
    if (!backing.empty()) {
      const std::uint64_t at = backing_offset ? backing_offset : 256;
      put_be64(header, 8, at);
      put_be32(header, 16, static_cast<std::uint32_t>(backing.size()));
      if (at + backing.size() <= header.size()) {
        std::memcpy(header.data() + at, backing.data(), backing.size());
      }
    }
    std::copy_n(header.begin(), std::min(header.size(), file.size()), file.begin());
    return file;
  }
};

ReadAt memory_read_at(const std::vector<std::uint8_t>& file) {
  return [&file](std::uint64_t offset, std::span<std::uint8_t> out) {
    if (offset + out.size() > file.size()) throw Error("memory: read past the end");
    std::memcpy(out.data(), file.data() + offset, out.size());
  };
}

std::string header_error(const SynthQcow2& image) {
  const std::vector<std::uint8_t> file = image.bytes();
  return error_of([&] { read_qcow2_header(memory_read_at(file), file.size(), "img.qcow2"); });
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ImageFormat, MagicTellsQcow2FromRaw) {
  const std::vector<std::uint8_t> qcow2 = SynthQcow2{}.bytes();
  std::vector<std::uint8_t> raw(4096, 0);
  EXPECT_EQ(detect_file_format(memory_read_at(qcow2), qcow2.size()), ImageFormat::qcow2);
  EXPECT_EQ(detect_file_format(memory_read_at(raw), raw.size()), ImageFormat::raw);
  raw[0] = 'Q', raw[1] = 'F', raw[2] = 'I';  // three of the four magic bytes
  EXPECT_EQ(detect_file_format(memory_read_at(raw), raw.size()), ImageFormat::raw);
  const std::vector<std::uint8_t> tiny = {'Q', 'F'};
  EXPECT_EQ(detect_file_format(memory_read_at(tiny), tiny.size()), ImageFormat::raw);
  EXPECT_STREQ(format_name(ImageFormat::qcow2), "qcow2");
  EXPECT_STREQ(format_name(ImageFormat::block), "block");
}

// The magics of the other formats QEMU opens, as qemu-img writes them.
TEST(ImageFormat, OtherFormatsAreToldByTheirMagic) {
  const auto foreign = [](const std::string& head, std::size_t at = 0) {
    std::vector<std::uint8_t> bytes(1024, 0);
    std::copy(head.begin(), head.end(), bytes.begin() + static_cast<long>(at));
    return foreign_image_format(memory_read_at(bytes), bytes.size());
  };
  EXPECT_EQ(foreign("KDMV"), "vmdk");
  EXPECT_EQ(foreign("# Disk DescriptorFile\nversion=1\n"), "vmdk");
  EXPECT_EQ(foreign(std::string("\x7f\x10\xda\xbe", 4), 0x40), "vdi");
  EXPECT_EQ(foreign("vhdxfile"), "vhdx");
  EXPECT_EQ(foreign("conectix"), "vpc");
  EXPECT_EQ(foreign(std::string("QED\0", 4)), "qed");
  EXPECT_EQ(foreign("KDM"), "");                                  // not all of the magic
  EXPECT_EQ(foreign(std::string("\x7f\x10\xda\xbe", 4), 0x44), "");  // elsewhere
  EXPECT_EQ(foreign(""), "");
  const std::vector<std::uint8_t> qcow2 = SynthQcow2{}.bytes();
  EXPECT_EQ(foreign_image_format(memory_read_at(qcow2), qcow2.size()), "");
  const std::vector<std::uint8_t> tiny = {'K', 'D'};
  EXPECT_EQ(foreign_image_format(memory_read_at(tiny), tiny.size()), "");
}

TEST(ImageFormat, ParsesVersion3Fields) {
  SynthQcow2 image;
  image.size_bytes = 123 * kMiB + 4096;
  image.incompatible = 1;  // dirty: QEMU repairs it on open; not refused
  const std::vector<std::uint8_t> file = image.bytes();
  const Qcow2Header header = read_qcow2_header(memory_read_at(file), file.size(), "img.qcow2");
  EXPECT_EQ(header.version, 3u);
  EXPECT_EQ(header.size_bytes, 123 * kMiB + 4096);
  EXPECT_EQ(header.cluster_bits, 16u);
  EXPECT_EQ(header.l1_table_offset, 3u << 16);
  EXPECT_EQ(header.refcount_table_offset, 1u << 16);
  EXPECT_EQ(header.header_length, 112u);
  EXPECT_EQ(header.incompatible_features, 1u);
}

TEST(ImageFormat, ParsesVersion2) {
  SynthQcow2 image;
  image.version = 2;
  image.size_bytes = 7 * kMiB;
  const std::vector<std::uint8_t> file = image.bytes();
  const Qcow2Header header = read_qcow2_header(memory_read_at(file), file.size(), "img.qcow2");
  EXPECT_EQ(header.version, 2u);
  EXPECT_EQ(header.size_bytes, 7 * kMiB);
  EXPECT_EQ(header.header_length, kQcow2V2HeaderBytes);
}

TEST(ImageFormat, RefusesUnknownVersionAndClusterSize) {
  SynthQcow2 image;
  image.version = 4;
  EXPECT_TRUE(contains(header_error(image), "qcow2 version 4"));
  image.version = 3;
  image.cluster_bits = 8;
  EXPECT_TRUE(contains(header_error(image), "cluster_bits 8"));
  image.cluster_bits = 16;
  EXPECT_EQ(header_error(image), "");
}

TEST(ImageFormat, ShorterThanTheHeaderIsTruncated) {
  const std::vector<std::uint8_t> full = SynthQcow2{}.bytes();
  for (const std::size_t size : {std::size_t{4}, std::size_t{71}, std::size_t{100}}) {
    const std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<long>(size));
    const std::string error =
        error_of([&] { read_qcow2_header(memory_read_at(cut), cut.size(), "cut.qcow2"); });
    EXPECT_TRUE(contains(error, "cut.qcow2 is truncated: it has " + std::to_string(size)))
        << error;
  }
}

TEST(ImageFormat, ShorterThanItsTablesIsTruncated) {
  SynthQcow2 image;
  image.file_bytes = (3u << 16) + 4;  // the L1 table's 8 bytes do not fit
  EXPECT_TRUE(contains(header_error(image), "its L1 table needs " + std::to_string((3u << 16) + 8)));
  image.file_bytes = 4u << 16;
  EXPECT_EQ(header_error(image), "");
  image.refcount_clusters = 4;  // clusters 1-4: one past the end
  EXPECT_TRUE(contains(header_error(image), "its refcount table needs " + std::to_string(5u << 16)));
}

TEST(ImageFormat, RefusesABackingFileNamingIt) {
  SynthQcow2 image;
  image.backing = "base.raw";
  EXPECT_EQ(header_error(image),
            "img.qcow2 has a backing file (base.raw): convert a standalone image, e.g. "
            "`qemu-img convert -O qcow2 img.qcow2 NEW`");
  image.backing_offset = (4u << 16) - 3;  // the name runs past the end
  EXPECT_TRUE(contains(header_error(image), "its backing file name"));
}

TEST(ImageFormat, RefusesEncryptionExternalDataAndCorrupt) {
  SynthQcow2 image;
  image.crypt_method = kQcow2CryptLuks;
  EXPECT_TRUE(contains(header_error(image), "is an encrypted qcow2 image (qcow2 LUKS)"));
  image.crypt_method = kQcow2CryptAes;
  EXPECT_TRUE(contains(header_error(image), "legacy qcow2 AES"));
  image.crypt_method = kQcow2CryptNone;
  image.incompatible = kQcow2ExternalDataFileBit;
  EXPECT_TRUE(contains(header_error(image), "external data file"));
  image.incompatible = kQcow2CorruptBit;
  EXPECT_TRUE(contains(header_error(image), "marked corrupt"));
  image.incompatible = 0;
  EXPECT_EQ(header_error(image), "");
}

// Real images, made by qemu-img.
class RealQcow2 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_program("qemu-img").empty()) GTEST_SKIP() << "qemu-img not installed (qemu-utils)";
    char pattern[] = "/tmp/pv2luks-unit-qcow2-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  void qemu_img(std::vector<std::string> args) const {
    args.insert(args.begin(), "qemu-img");
    run_checked(args);
  }
  // The header as the library reads it from the file.
  static Qcow2Header header_of(const std::string& file) {
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(fd);
    const ReadAt read = fd_read_at(fd.get(), 0, file);
    const std::uint64_t size_bytes = fs::file_size(file);
    EXPECT_EQ(detect_file_format(read, size_bytes), ImageFormat::qcow2);
    return read_qcow2_header(read, size_bytes, file);
  }

  std::string dir_;
};

TEST_F(RealQcow2, StandaloneImage) {
  qemu_img({"create", "-q", "-f", "qcow2", path("a.qcow2"), "96M"});
  const Qcow2Header header = header_of(path("a.qcow2"));
  EXPECT_EQ(header.size_bytes, 96 * kMiB);
  EXPECT_EQ(header.version, 3u);
  EXPECT_EQ(header.backing_file_offset, 0u);
}

TEST_F(RealQcow2, CompatV2Image) {
  qemu_img({"create", "-q", "-f", "qcow2", "-o", "compat=0.10", path("v2.qcow2"), "8M"});
  EXPECT_EQ(header_of(path("v2.qcow2")).version, 2u);
}

TEST_F(RealQcow2, RawImageIsRaw) {
  qemu_img({"create", "-q", "-f", "raw", path("a.raw"), "8M"});
  Fd fd(::open(path("a.raw").c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(detect_file_format(fd_read_at(fd.get(), 0, path("a.raw")), 8 * kMiB),
            ImageFormat::raw);
}

TEST_F(RealQcow2, ImageWithBackingFileIsRefused) {
  qemu_img({"create", "-q", "-f", "raw", path("base.raw"), "16M"});
  qemu_img({"create", "-q", "-f", "qcow2", "-b", path("base.raw"), "-F", "raw",
            path("over.qcow2")});
  const std::string error = error_of([&] { header_of(path("over.qcow2")); });
  EXPECT_EQ(error, path("over.qcow2") + " has a backing file (" + path("base.raw") +
                       "): convert a standalone image, e.g. `qemu-img convert -O qcow2 " +
                       path("over.qcow2") + " NEW`");
}

TEST_F(RealQcow2, TruncatedImageIsAnError) {
  qemu_img({"create", "-q", "-f", "qcow2", path("cut.qcow2"), "64M"});
  fs::resize_file(path("cut.qcow2"), 2 << 16);  // header and refcount table only
  EXPECT_TRUE(contains(error_of([&] { header_of(path("cut.qcow2")); }), "is truncated"));
  fs::resize_file(path("cut.qcow2"), 50);
  EXPECT_TRUE(contains(error_of([&] { header_of(path("cut.qcow2")); }),
                       "is truncated: it has 50 bytes, but the qcow2 header needs 72"));
}

TEST_F(RealQcow2, EncryptedImageIsRefused) {
  {
    std::ofstream secret(path("secret"));
    secret << "a test passphrase";
  }
  qemu_img({"create", "-q", "-f", "qcow2", "--object", "secret,id=s0,file=" + path("secret"),
            "-o", "encrypt.format=aes,encrypt.key-secret=s0", path("enc.qcow2"), "8M"});
  // Legacy AES: qemu-img makes it at once (a LUKS one takes seconds of PBKDF);
  // the LUKS method is covered by the synthesized headers above.
  EXPECT_TRUE(contains(error_of([&] { header_of(path("enc.qcow2")); }),
                       "is an encrypted qcow2 image (legacy qcow2 AES)"));
}

}  // namespace
}  // namespace pv2luks
