// Userspace aes-xts-plain64 (converter/lib/crypto/xts.h): IEEE 1619 known
// answers, the argument checks, and byte-for-byte agreement with what
// cryptsetup itself writes (LUKS2 data areas by `cryptsetup reencrypt
// --encrypt` on a plain file, LUKS1 keyslot areas by `luksFormat`), each with
// a negative control that uses a wrong IV convention and must not match.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "error_of.h"
#include "base/error.h"
#include "base/process.h"
#include "crypto/xts.h"
#include "base/secure_buffer.h"

namespace pv2luks {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kMiB = 1024 * 1024;

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

Bytes random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  Bytes out(size);
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t word = engine();
    std::memcpy(out.data() + i, &word, std::min<std::size_t>(8, size - i));
  }
  return out;
}

// 0, 1, ..., 255, 0, 1, ..., 255: the plaintext of IEEE 1619 vectors 4 and 10.
Bytes ieee_plaintext() {
  Bytes out(512);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(i);
  return out;
}

// IEEE Std 1619-2007, Annex B, XTS-AES-256 Vector 10: Key1 || Key2, data unit
// sequence number 0xff, 512-byte data unit.
const char kVector10Key[] =
    "2718281828459045235360287471352662497757247093699959574966967627"
    "3141592653589793238462643383279502884197169399375105820974944592";
const char kVector10Ciphertext[] =
    "1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b"
    "5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd"
    "5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0"
    "c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca"
    "2a3e7a7d7df7b10355165c8b9a6d0a7de8b062c4500dc4cd120c0f7418dae3d0"
    "b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f"
    "93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec"
    "583e9645e07b8d9670655ba5bbcfecc6dc3966380ad8fecb17b6ba02469a020a"
    "84e18e8f84252070c13e9f1f289be54fbc481457778f616015e1327a02b140f1"
    "505eb309326d68378f8374595c849d84f4c333ec4423885143cb47bd71c5edae"
    "9be69a2ffeceb1bec9de244fbe15992b11b77c040f12bd8f6a975a44a0f90c29"
    "a9abc3d4d893927284c58754cce294529f8614dcd2aba991925fedc4ae74ffac"
    "6e333b93eb4aff0479da9a410e4450e0dd7ae4c6e2910900575da401fc07059f"
    "645e8b7e9bfdef33943054ff84011493c27b3429eaedb4ed5376441a77ed4385"
    "1ad77f16f541dfd269d50d6a5f14fb0aab1cbb4c1550be97f7ab4066193c4caa"
    "773dad38014bd2092fa755c824bb5e54c4f36ffda9fcea70b9c6e693e148c151";

// IEEE Std 1619-2007, Annex B, XTS-AES-128 Vector 4: data unit 0.
const char kVector4Key[] =
    "27182818284590452353602874713526"
    "31415926535897932384626433832795";
const char kVector4Ciphertext[] =
    "27a7479befa1d476489f308cd4cfa6e2a96e4bbe3208ff25287dd3819616e89c"
    "c78cf7f5e543445f8333d8fa7f56000005279fa5d8b5e4ad40e736ddb4d35412"
    "328063fd2aab53e5ea1e0a9f332500a5df9487d07a5c92cc512c8866c7e860ce"
    "93fdf166a24912b422976146ae20ce846bb7dc9ba94a767aaef20c0d61ad0265"
    "5ea92dc4c4e41a8952c651d33174be51a10c421110e6d81588ede82103a252d8"
    "a750e8768defffed9122810aaeb99f9172af82b604dc4b8e51bcb08235a6f434"
    "1332e4ca60482a4ba1a03b3e65008fc5da76b70bf1690db4eae29c5f1badd03c"
    "5ccf2a55d705ddcd86d449511ceb7ec30bf12b1fa35b913f9f747a8afd1b130e"
    "94bff94effd01a91735ca1726acd0b197c4e5b03393697e126826fb6bbde8ecc"
    "1e08298516e2c9ed03ff3c1b7860f6de76d4cecd94c8119855ef5297ca67e9f3"
    "e7ff72b1e99785ca0a7e7720c5b36dc6d72cac9574c8cbbc2f801e23e56fd344"
    "b07f22154beba0f08ce8891e643ed995c94d9a69c9f1b5f499027a78572aeebd"
    "74d20cc39881c213ee770b1010e4bea718846977ae119f7a023ab58cca0ad752"
    "afe656bb3c17256a9f6e9bf19fdd5a38fc82bbe872c5539edb609ef4f79c203e"
    "bb140f2e583cb2ad15b4aa5b655016a8449277dbd477ef2c8d6c017db738b18d"
    "eb4a427d1923ce3ff262735779a418f20a282df920147beabe421ee5319d0568";

using Iv = std::array<std::uint8_t, 16>;

Iv little_endian_iv(std::uint64_t number) {
  Iv iv{};
  for (int i = 0; i < 8; ++i) iv[i] = static_cast<std::uint8_t>(number >> (8 * i));
  return iv;
}

// A wrong convention, for negative controls: the number big-endian at the end.
Iv big_endian_iv(std::uint64_t number) {
  Iv iv{};
  for (int i = 0; i < 8; ++i) iv[15 - i] = static_cast<std::uint8_t>(number >> (8 * i));
  return iv;
}

// A reference XTS in plain EVP, independent of XtsCipher: each `unit_bytes`
// unit (index 0, 1, ...) encrypted under the IV iv_for(index).
Bytes reference_encrypt(std::span<const std::uint8_t> key, std::uint32_t unit_bytes, Bytes data,
                        const std::function<Iv(std::uint64_t)>& iv_for) {
  const EVP_CIPHER* cipher = key.size() == 64 ? EVP_aes_256_xts() : EVP_aes_128_xts();
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  for (std::size_t at = 0; at < data.size(); at += unit_bytes) {
    const Iv iv = iv_for(at / unit_bytes);
    int written = 0;
    EXPECT_EQ(EVP_EncryptInit_ex(ctx, cipher, nullptr, key.data(), iv.data()), 1);
    EXPECT_EQ(EVP_EncryptUpdate(ctx, data.data() + at, &written, data.data() + at,
                                static_cast<int>(unit_bytes)),
              1);
  }
  EVP_CIPHER_CTX_free(ctx);
  return data;
}

// --- Known answers ---------------------------------------------------------

TEST(XtsCipher, Ieee1619Vector10Aes256) {
  const Bytes key = from_hex(kVector10Key);
  const Bytes expected = from_hex(kVector10Ciphertext);
  ASSERT_EQ(expected.size(), 512u);
  XtsCipher xts(key, 512, false);
  Bytes data = ieee_plaintext();
  xts.encrypt(data, 0xff);
  EXPECT_EQ(data, expected);
  xts.decrypt(data, 0xff);
  EXPECT_EQ(data, ieee_plaintext());
  // The same unit under its neighbour's sequence number is another ciphertext.
  Bytes shifted = ieee_plaintext();
  xts.encrypt(shifted, 0xfe);
  EXPECT_NE(shifted, expected);
}

TEST(XtsCipher, Ieee1619Vector4Aes128) {
  XtsCipher xts(from_hex(kVector4Key), 512, false);
  Bytes data = ieee_plaintext();
  xts.encrypt(data, 0);
  EXPECT_EQ(data, from_hex(kVector4Ciphertext));
}

// Vector 10's unit, placed as the second 512-byte sector of a 1024-byte
// buffer that starts at sector 0xfe: each sector gets its own IV.
TEST(XtsCipher, EachSectorGetsItsOwnNumber) {
  XtsCipher xts(from_hex(kVector10Key), 512, false);
  Bytes data(1024, 0);
  const Bytes plain = ieee_plaintext();
  std::copy(plain.begin(), plain.end(), data.begin() + 512);
  xts.encrypt(data, 0xfe);
  EXPECT_EQ(Bytes(data.begin() + 512, data.end()), from_hex(kVector10Ciphertext));
}

// With 4096-byte sectors, the unit at 512-byte sector 16 + 8*u has IV
// 16 + 8*u (dm-crypt's rule), or (16 + 8*u) / 8 with iv_large_sectors.
TEST(XtsCipher, LargeSectorIvCounting) {
  const Bytes key = random_bytes(64, 1);
  const Bytes plain = random_bytes(3 * 4096, 2);
  Bytes dm_rule = plain;
  XtsCipher(key, 4096, false).encrypt(dm_rule, 16);
  EXPECT_EQ(dm_rule, reference_encrypt(key, 4096, plain, [](std::uint64_t u) {
              return little_endian_iv(16 + 8 * u);
            }));
  Bytes large_iv = plain;
  XtsCipher(key, 4096, true).encrypt(large_iv, 16);
  EXPECT_EQ(large_iv, reference_encrypt(key, 4096, plain,
                                        [](std::uint64_t u) { return little_endian_iv(2 + u); }));
  EXPECT_NE(dm_rule, large_iv);
  XtsCipher(key, 4096, true).decrypt(large_iv, 16);
  EXPECT_EQ(large_iv, plain);
}

// Keying once and only re-setting the IV per call: a long run of calls in
// both directions on one object gives what fresh objects give.
TEST(XtsCipher, ReusedContextsMatchFreshOnes) {
  const Bytes key = random_bytes(32, 3);
  XtsCipher reused(key, 512, false);
  for (std::uint64_t sector = 0; sector < 64; sector += 3) {
    const Bytes plain = random_bytes(3 * 512, sector);
    Bytes a = plain;
    reused.encrypt(a, sector);
    Bytes b = plain;
    XtsCipher(key, 512, false).encrypt(b, sector);
    ASSERT_EQ(a, b) << sector;
    reused.decrypt(a, sector);
    ASSERT_EQ(a, plain) << sector;
  }
}

// --- Argument checks ---------------------------------------------------------

TEST(XtsCipher, RefusesBadKeysSectorSizesAndRanges) {
  EXPECT_NE(error_of([] { XtsCipher(random_bytes(48, 1), 512, false); }).find("384-bit key"),
            std::string::npos);
  EXPECT_NE(error_of([] { XtsCipher(random_bytes(64, 1), 1000, false); }).find("sector size 1000"),
            std::string::npos);
  EXPECT_NE(error_of([] { XtsCipher(random_bytes(64, 1), 8192, false); }).find("sector size 8192"),
            std::string::npos);
  Bytes same_halves(64, 0x5a);
  EXPECT_NE(error_of([&] { XtsCipher(same_halves, 512, false); }).find("halves"),
            std::string::npos);
  XtsCipher xts(random_bytes(64, 1), 4096, false);
  Bytes partial(4096 + 512);
  EXPECT_NE(error_of([&] { xts.encrypt(partial, 0); }).find("not whole 4096-byte sectors"),
            std::string::npos);
  Bytes whole(4096);
  EXPECT_NE(error_of([&] { xts.decrypt(whole, 4); }).find("at sector 4"), std::string::npos);
  EXPECT_EQ(error_of([&] { xts.decrypt(whole, 8); }), "");
}

TEST(XtsSupport, OnlyAesXtsPlain64With256Or512BitKeys) {
  EXPECT_EQ(xts_support_problem("aes-xts-plain64", 64), "");
  EXPECT_EQ(xts_support_problem("aes-xts-plain64", 32), "");
  EXPECT_NE(xts_support_problem("aes-xts-plain64", 48).find("384-bit key"), std::string::npos);
  EXPECT_NE(xts_support_problem("aes-cbc-essiv:sha256", 32).find("aes-cbc-essiv:sha256"),
            std::string::npos);
  EXPECT_NE(xts_support_problem("aes-xts-plain", 64), "");
  EXPECT_NE(xts_support_problem("serpent-xts-plain64", 64), "");
  EXPECT_NE(xts_support_problem("capi:xts(aes)-plain64", 64), "");
}

// --- Against cryptsetup ------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "pv2luks-xts-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw Error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { fs::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

void write_file(const std::string& path, std::span<const std::uint8_t> data, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size())) << path;
  ::close(fd);
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The volume key as `cryptsetup luksDump --dump-volume-key` prints it ("MK
// dump:" followed by hex byte pairs over several lines), into locked memory.
SecureBuffer dump_volume_key(const std::string& image, const std::string& key_file) {
  std::string out = run_checked({"cryptsetup", "luksDump", "--dump-volume-key", "--batch-mode",
                                 "--key-file", key_file, image});
  const std::size_t label = out.find("MK dump:");
  if (label == std::string::npos) throw Error("luksDump printed no MK dump");
  Bytes bytes;
  std::istringstream words(out.substr(label + 8));
  std::string word;
  while (words >> word && word.size() == 2 && std::isxdigit(word[0]) && std::isxdigit(word[1])) {
    bytes.push_back(static_cast<std::uint8_t>(std::stoul(word, nullptr, 16)));
  }
  SecureBuffer key(bytes.size());
  std::memcpy(key.data(), bytes.data(), bytes.size());
  explicit_bzero(out.data(), out.size());
  explicit_bzero(bytes.data(), bytes.size());
  return key;
}

// The number in a luksDump line "<field>: <number> [bytes]" (first match).
std::uint64_t dump_field(const std::string& dump, const std::string& field) {
  const std::size_t at = dump.find(field + ":");
  if (at == std::string::npos) throw Error("luksDump has no " + field);
  return std::stoull(dump.substr(at + field.size() + 1));
}

std::string skip_reason_for_cryptsetup() {
  if (find_program("cryptsetup").empty()) return "cryptsetup is not installed";
  if (geteuid() != 0)
    return "cryptsetup reencrypt needs root (else: failed to acquire reencryption lock)";
  return "";
}

struct Luks2Case {
  std::uint32_t sector_bytes;
  std::uint32_t key_bits;
};

class XtsAgainstLuks2Reencrypt : public ::testing::TestWithParam<Luks2Case> {};

// cryptsetup encrypts a file in place (LUKS2, header at the front, data moved
// back by half of --reduce-device-size); our encryption of the original
// plaintext must equal the data area it wrote, and our decryption of that area
// must give the plaintext back.
TEST_P(XtsAgainstLuks2Reencrypt, SameCiphertextAsCryptsetup) {
  const std::string skip = skip_reason_for_cryptsetup();
  if (!skip.empty()) GTEST_SKIP() << skip;
  const Luks2Case c = GetParam();
  constexpr std::uint64_t kImageBytes = 40 * kMiB;
  constexpr std::uint64_t kReduceBytes = 32 * kMiB;
  constexpr std::uint64_t kPlainBytes = kImageBytes - kReduceBytes;

  TempDir dir;
  const std::string image = dir.path("image");
  const std::string key_file = dir.path("passphrase");
  const Bytes original = random_bytes(kImageBytes, c.sector_bytes + c.key_bits);
  write_file(image, original, 0600);
  write_file(key_file, random_bytes(32, 99), 0600);
  run_checked({"cryptsetup",
               "reencrypt",
               "--encrypt",
               "--type",
               "luks2",
               "--batch-mode",
               "--reduce-device-size",
               std::to_string(kReduceBytes / kMiB) + "M",
               "--key-file",
               key_file,
               "--pbkdf",
               "pbkdf2",
               "--pbkdf-force-iterations",
               "1000",
               "--cipher",
               "aes-xts-plain64",
               "--key-size",
               std::to_string(c.key_bits),
               "--sector-size",
               std::to_string(c.sector_bytes),
               image});

  const std::string dump = run_checked({"cryptsetup", "luksDump", image});
  ASSERT_EQ(dump_field(dump, "sector"), c.sector_bytes) << dump;
  const std::uint64_t data_offset_bytes = dump_field(dump, "offset");
  ASSERT_EQ(data_offset_bytes, kReduceBytes / 2) << dump;
  const SecureBuffer key = dump_volume_key(image, key_file);
  ASSERT_EQ(key.size_bytes() * 8, c.key_bits);

  const Bytes written = read_file(image);
  ASSERT_EQ(written.size(), kImageBytes);
  const auto area = written.begin() + static_cast<std::ptrdiff_t>(data_offset_bytes);
  const Bytes theirs(area, area + kPlainBytes);
  const Bytes plain(original.begin(), original.begin() + kPlainBytes);

  XtsCipher xts(key.bytes(), c.sector_bytes, false);
  Bytes ours = plain;
  xts.encrypt(ours, 0);
  EXPECT_TRUE(ours == theirs) << "our ciphertext differs from cryptsetup's";
  Bytes decrypted = theirs;
  xts.decrypt(decrypted, 0);
  EXPECT_TRUE(decrypted == plain) << "our decryption of cryptsetup's data is not the plaintext";

  // Negative controls. A big-endian sector number agrees on sector 0 only.
  const std::uint64_t sectors_512 = c.sector_bytes / 512;
  const Bytes big_endian =
      reference_encrypt(key.bytes(), c.sector_bytes, plain,
                        [&](std::uint64_t unit) { return big_endian_iv(unit * sectors_512); });
  EXPECT_TRUE(std::equal(big_endian.begin(), big_endian.begin() + c.sector_bytes, theirs.begin()));
  EXPECT_FALSE(big_endian == theirs);
  // Counting IVs in whole encryption sectors (dm-crypt's iv_large_sectors)
  // is a different ciphertext as soon as sectors are larger than 512 bytes.
  Bytes large_iv = plain;
  XtsCipher(key.bytes(), c.sector_bytes, true).encrypt(large_iv, 0);
  EXPECT_EQ(large_iv == theirs, c.sector_bytes == 512);
  // Numbering from the disk start instead of the data area start.
  Bytes from_disk_start = plain;
  xts.encrypt(from_disk_start, data_offset_bytes / 512);
  EXPECT_FALSE(from_disk_start == theirs);
}

INSTANTIATE_TEST_SUITE_P(Luks2, XtsAgainstLuks2Reencrypt,
                         ::testing::Values(Luks2Case{512, 256}, Luks2Case{512, 512},
                                           Luks2Case{4096, 256}, Luks2Case{4096, 512}),
                         [](const ::testing::TestParamInfo<Luks2Case>& info) {
                           return "Sector" + std::to_string(info.param.sector_bytes) + "Key" +
                                  std::to_string(info.param.key_bits);
                         });

// --- LUKS1: keyslot areas ---------------------------------------------------
// Without device-mapper cryptsetup cannot encrypt a LUKS1 data area, but
// luksFormat encrypts every keyslot area with the header's cipher
// (aes-xts-plain64, 512-byte sectors numbered from the area's start, the key
// derived by PBKDF2 from the passphrase). Decrypting keyslot 0 with XtsCipher
// and merging its anti-forensic stripes (LUKS1 on-disk format specification,
// "AF-merge") must give the volume key luksDump prints.

std::uint32_t be32(const Bytes& data, std::size_t at) {
  return (std::uint32_t{data[at]} << 24) | (std::uint32_t{data[at + 1]} << 16) |
         (std::uint32_t{data[at + 2]} << 8) | data[at + 3];
}

// The LUKS1 diffusion: each hash-sized block i replaced by
// H(be32(i) || block), the last block possibly short.
void diffuse(Bytes& block, const EVP_MD* md) {
  const std::size_t digest_bytes = EVP_MD_size(md);
  for (std::size_t i = 0, at = 0; at < block.size(); ++i, at += digest_bytes) {
    const std::size_t length = std::min(digest_bytes, block.size() - at);
    const std::array<std::uint8_t, 4> index = {
        static_cast<std::uint8_t>(i >> 24), static_cast<std::uint8_t>(i >> 16),
        static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, md, nullptr);
    EVP_DigestUpdate(ctx, index.data(), index.size());
    EVP_DigestUpdate(ctx, block.data() + at, length);
    EVP_DigestFinal_ex(ctx, digest.data(), nullptr);
    EVP_MD_CTX_free(ctx);
    std::memcpy(block.data() + at, digest.data(), length);
  }
}

Bytes af_merge(const Bytes& stripes_data, std::size_t key_bytes, std::uint32_t stripes,
               const EVP_MD* md) {
  Bytes d(key_bytes, 0);
  for (std::uint32_t s = 0; s < stripes; ++s) {
    for (std::size_t i = 0; i < key_bytes; ++i) d[i] ^= stripes_data[s * key_bytes + i];
    if (s + 1 < stripes) diffuse(d, md);
  }
  return d;
}

struct Luks1Slot0 {
  std::string hash;
  std::uint32_t key_bytes;
  std::uint32_t iterations;
  Bytes salt;
  std::uint64_t material_offset_bytes;
  std::uint32_t stripes;
};

// Fields of the LUKS1 phdr (big-endian), as the LUKS1 specification lays them out.
Luks1Slot0 parse_luks1(const Bytes& header) {
  Luks1Slot0 slot;
  EXPECT_EQ(std::string(header.begin(), header.begin() + 4), "LUKS");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&header[8])), "aes");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&header[40])), "xts-plain64");
  slot.hash = reinterpret_cast<const char*>(&header[72]);
  slot.key_bytes = be32(header, 108);
  constexpr std::size_t kSlot0 = 208;
  EXPECT_EQ(be32(header, kSlot0), 0x00AC71F3u) << "keyslot 0 is not active";
  slot.iterations = be32(header, kSlot0 + 4);
  slot.salt.assign(header.begin() + kSlot0 + 8, header.begin() + kSlot0 + 40);
  slot.material_offset_bytes = std::uint64_t{be32(header, kSlot0 + 40)} * 512;
  slot.stripes = be32(header, kSlot0 + 44);
  return slot;
}

class XtsAgainstLuks1Keyslot : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(XtsAgainstLuks1Keyslot, DecryptsTheKeyslotCryptsetupWrote) {
  if (find_program("cryptsetup").empty()) GTEST_SKIP() << "cryptsetup is not installed";
  const std::uint32_t key_bits = GetParam();
  TempDir dir;
  const std::string image = dir.path("image");
  const std::string key_file = dir.path("passphrase");
  const Bytes passphrase = random_bytes(32, 7);
  write_file(image, Bytes(4 * kMiB, 0), 0600);
  write_file(key_file, passphrase, 0600);
  run_checked({"cryptsetup", "luksFormat", "--type", "luks1", "--batch-mode", "--key-file",
               key_file, "--cipher", "aes-xts-plain64", "--key-size", std::to_string(key_bits),
               "--hash", "sha256", "--pbkdf-force-iterations", "1000", image});
  const SecureBuffer volume_key = dump_volume_key(image, key_file);
  ASSERT_EQ(volume_key.size_bytes() * 8, key_bits);

  const Bytes header = read_file(image);
  const Luks1Slot0 slot = parse_luks1(header);
  ASSERT_EQ(slot.key_bytes * 8, key_bits);
  const EVP_MD* md = EVP_get_digestbyname(slot.hash.c_str());
  ASSERT_NE(md, nullptr) << slot.hash;
  SecureBuffer slot_key(slot.key_bytes);
  ASSERT_EQ(PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(passphrase.data()),
                              static_cast<int>(passphrase.size()), slot.salt.data(),
                              static_cast<int>(slot.salt.size()), static_cast<int>(slot.iterations),
                              md, static_cast<int>(slot.key_bytes), slot_key.data()),
            1);
  const std::size_t material_bytes = std::size_t{slot.key_bytes} * slot.stripes;
  const std::size_t area_bytes = (material_bytes + 511) / 512 * 512;
  const auto area = header.begin() + static_cast<std::ptrdiff_t>(slot.material_offset_bytes);
  const Bytes encrypted(area, area + static_cast<std::ptrdiff_t>(area_bytes));

  Bytes decrypted = encrypted;
  XtsCipher(slot_key.bytes(), 512, false).decrypt(decrypted, 0);
  const Bytes merged = af_merge(decrypted, slot.key_bytes, slot.stripes, md);
  EXPECT_TRUE(std::equal(merged.begin(), merged.end(), volume_key.data()))
      << "keyslot 0 decrypted by XtsCipher does not merge to the volume key";

  // Negative control: the same area decrypted as if it started one sector
  // later (every IV off by one) merges to something else.
  Bytes shifted = encrypted;
  XtsCipher(slot_key.bytes(), 512, false).decrypt(shifted, 1);
  const Bytes wrong = af_merge(shifted, slot.key_bytes, slot.stripes, md);
  EXPECT_FALSE(std::equal(wrong.begin(), wrong.end(), volume_key.data()));
}

INSTANTIATE_TEST_SUITE_P(Luks1, XtsAgainstLuks1Keyslot, ::testing::Values(256u, 512u),
                         [](const ::testing::TestParamInfo<std::uint32_t>& info) {
                           return "Key" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace pv2luks
