// LUKS headers built by libcryptsetup into files (converter/lib/luks/
// header.h), checked against the stock cryptsetup tool run from the test:
// luksDump shows our offset, cipher and areas; --dump-volume-key with our
// passphrase gives back our volume key; and data we encrypt with OpenSSL
// (aes-xts-plain64, IV = little-endian 512-byte sector number from the start
// of the data area) is byte for byte what cryptsetup's own userspace
// encryption writes. No device-mapper needed: files only.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/process.h"
#include "luks/header.h"
#include "luks/volume_key.h"

namespace pv2luks {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint32_t kFastIterations = 1000;  // PBKDF2's minimum

using Bytes = std::vector<std::uint8_t>;

SecureBuffer secure_text(const std::string& text) {
  SecureBuffer buffer(text.size());
  std::memcpy(buffer.data(), text.data(), text.size());
  return buffer;
}

Bytes bytes_of(const SecureBuffer& buffer) {
  return Bytes(buffer.data(), buffer.data() + buffer.size_bytes());
}

Bytes random_bytes(std::size_t size_bytes) {
  Bytes random(size_bytes);
  EXPECT_EQ(RAND_bytes(random.data(), static_cast<int>(size_bytes)), 1);
  return random;
}

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const Bytes& data) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

class TempDir {
 public:
  TempDir() {
    // Not tmpfs-specific: any directory works; these headers hold test keys.
    std::string pattern = (fs::temp_directory_path() / "pv2luks-luks-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// A header spec of `type` for `tail_room_bytes`, with a PBKDF fast enough for tests.
HeaderSpec fast_spec(LuksType type, std::uint64_t tail_room_bytes,
                     std::uint32_t sector_bytes = 512) {
  const HeaderChoice choice = choose_header(type, tail_room_bytes, 512, sector_bytes);
  EXPECT_TRUE(choice.fits) << choice.summary;
  HeaderSpec spec = choice.spec;
  spec.pbkdf = "pbkdf2";
  spec.pbkdf_force_iterations = kFastIterations;
  return spec;
}

// The stock tool. Tests skip (with the reason) where it is missing.
std::string cryptsetup() { return find_program("cryptsetup"); }

std::string luks_dump(const std::string& path) {
  const ProcessResult result = run_process({cryptsetup(), "luksDump", path});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.out;
}

// The "MK dump:" hex bytes of `cryptsetup luksDump --dump-volume-key`.
Bytes parse_mk_dump(const std::string& text) {
  Bytes key;
  const std::size_t start = text.find("MK dump:");
  if (start == std::string::npos) return key;
  std::istringstream lines(text.substr(start + 8));
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    if (!first && (line.empty() || line[0] != '\t')) break;
    first = false;
    std::istringstream words(line);
    std::string word;
    while (words >> word) key.push_back(static_cast<std::uint8_t>(std::stoul(word, nullptr, 16)));
  }
  return key;
}

ProcessResult dump_volume_key(const std::string& path, const std::string& key_file) {
  return run_process({cryptsetup(), "luksDump", "--dump-volume-key", "--batch-mode", "--key-file",
                      key_file, path});
}

std::string passphrase_file(const TempDir& dir, const std::string& passphrase) {
  const std::string path = dir / "passphrase";
  std::ofstream(path, std::ios::binary) << passphrase;
  return path;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class LuksHeader : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cryptsetup().empty()) GTEST_SKIP() << "cryptsetup (cryptsetup-bin) is not installed";
  }
  TempDir dir_;
  const std::string passphrase_text_ =
      "correct horse battery staple\n";  // the newline is part of it
  const SecureBuffer passphrase_ = secure_text(passphrase_text_);
  const SecureBuffer volume_key_ = generate_volume_key(512);
};

TEST_F(LuksHeader, Luks2DefaultIsWhatCryptsetupReads) {
  const HeaderSpec spec = fast_spec(LuksType::kLuks2, 64 * kMiB);
  const std::string path = dir_ / "header";
  const BuiltHeader built = build_header(spec, volume_key_, passphrase_, 256 * kMiB, path);
  EXPECT_EQ(built.data_offset_sectors, 32768u);
  EXPECT_EQ(built.keyslot, 0);
  EXPECT_EQ(fs::file_size(path), 16 * kMiB);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  const std::string dump = luks_dump(path);
  EXPECT_TRUE(contains(dump, "Version:       \t2")) << dump;
  EXPECT_TRUE(contains(dump, "offset: 16777216 [bytes]")) << dump;
  EXPECT_TRUE(contains(dump, "cipher: aes-xts-plain64")) << dump;
  EXPECT_TRUE(contains(dump, "sector: 512 [bytes]")) << dump;
  EXPECT_TRUE(contains(dump, "Metadata area: \t16384 [bytes]")) << dump;
  EXPECT_TRUE(contains(dump, "Keyslots area: \t16744448 [bytes]")) << dump;
  EXPECT_TRUE(contains(dump, "  0: luks2")) << dump;
  EXPECT_TRUE(contains(dump, "PBKDF:      pbkdf2")) << dump;
  EXPECT_TRUE(contains(dump, "Iterations: 1000")) << dump;

  const ProcessResult key_dump = dump_volume_key(path, passphrase_file(dir_, passphrase_text_));
  ASSERT_EQ(key_dump.exit_code, 0) << key_dump.err;
  EXPECT_EQ(parse_mk_dump(key_dump.out), bytes_of(volume_key_));

  EXPECT_TRUE(unlock_volume_key(path, passphrase_).equals(volume_key_));
  const HeaderInfo info = read_header(path);
  EXPECT_EQ(info.type, LuksType::kLuks2);
  EXPECT_EQ(info.cipher, "aes");
  EXPECT_EQ(info.cipher_mode, "xts-plain64");
  EXPECT_EQ(info.key_size_bits, 512u);
  EXPECT_EQ(info.data_offset_sectors, 32768u);
  EXPECT_EQ(info.sector_size_bytes, 512u);
  EXPECT_EQ(info.uuid, built.uuid);
  EXPECT_EQ(info.luks2_metadata_size_bytes, 16 * kKiB);
  EXPECT_EQ(info.luks2_keyslots_size_bytes, 16 * kMiB - 32 * kKiB);
}

TEST_F(LuksHeader, Luks2SmallerHeadersAreWhatCryptsetupReads) {
  for (const std::uint64_t tail_room_bytes :
       {3 * kMiB, 1 * kMiB, 600 * kKiB, min_header_bytes(LuksType::kLuks2, 512)}) {
    SCOPED_TRACE(tail_room_bytes);
    const HeaderSpec spec = fast_spec(LuksType::kLuks2, tail_room_bytes);
    const std::string path = dir_ / ("header-" + std::to_string(tail_room_bytes));
    const BuiltHeader built = build_header(spec, volume_key_, passphrase_, 64 * kMiB, path);
    EXPECT_EQ(built.data_offset_sectors, spec.data_offset_sectors);
    EXPECT_EQ(fs::file_size(path), header_size_bytes(spec));
    // libcryptsetup warns about keyslots areas under 4 MiB - 32 KiB, all of
    // these; the warning comes back as a note instead of going to stderr.
    const bool warned = std::any_of(built.notes.begin(), built.notes.end(), [](const auto& note) {
      return note.find("keyslots area") != std::string::npos;
    });
    EXPECT_TRUE(warned) << ::testing::PrintToString(built.notes);

    const std::string dump = luks_dump(path);
    EXPECT_TRUE(contains(dump, "offset: " + std::to_string(header_size_bytes(spec)) + " [bytes]"))
        << dump;
    EXPECT_TRUE(contains(
        dump, "Keyslots area: \t" + std::to_string(spec.luks2_keyslots_size_bytes) + " [bytes]"))
        << dump;
    const ProcessResult key_dump = dump_volume_key(path, passphrase_file(dir_, passphrase_text_));
    ASSERT_EQ(key_dump.exit_code, 0) << key_dump.err;
    EXPECT_EQ(parse_mk_dump(key_dump.out), bytes_of(volume_key_));
  }
}

// The journal keeps only a header's used bytes; the rest may be anything.
TEST_F(LuksHeader, UsedBytesAloneOpenTheHeader) {
  for (const LuksType type : {LuksType::kLuks2, LuksType::kLuks1}) {
    const HeaderSpec spec = fast_spec(type, 64 * kMiB);
    const std::string path = dir_ / "full";
    fs::remove(path);
    const BuiltHeader built = build_header(spec, volume_key_, passphrase_, 256 * kMiB, path);
    // Keyslot 0 holds 64 * 4000 bytes of split key: LUKS2 gives it a 4 KiB
    // aligned area after the two 16 KiB metadata copies, LUKS1 the bytes
    // themselves after its 4 KiB header.
    EXPECT_EQ(built.used_bytes, type == LuksType::kLuks2 ? 32 * kKiB + 258048 : 4 * kKiB + 256000);
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes(built.header_bytes);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::fill(bytes.begin() + static_cast<long>(built.used_bytes), bytes.end(), '\x5a');
    const std::string copy = dir_ / "copy";
    std::ofstream(copy, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    EXPECT_TRUE(unlock_volume_key(copy, passphrase_).equals(volume_key_));
    // And less is not enough: the last byte of keyslot 0's split key matters.
    const std::uint64_t last_key_byte = 4 * kKiB * (type == LuksType::kLuks2 ? 8 : 1) + 256000 - 1;
    bytes[last_key_byte] ^= 0x5a;
    std::ofstream(copy, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    EXPECT_THROW(unlock_volume_key(copy, passphrase_), Error);
  }
}

// A keyslot added after the build (systemd-cryptenroll's, for the TPM) is
// in the bytes a copy keeps (header_used_bytes), so the journal's staged
// copy opens by it too; and a token added is seen in the header's bytes.
TEST_F(LuksHeader, AddedKeyslotsAndTokensAreInTheUsedBytes) {
  const HeaderSpec spec = fast_spec(LuksType::kLuks2, 64 * kMiB);
  const std::string path = dir_ / "enrolled";
  const BuiltHeader built = build_header(spec, volume_key_, passphrase_, 256 * kMiB, path);
  EXPECT_EQ(header_used_bytes(path), built.used_bytes);
  const std::string old_key = passphrase_file(dir_, passphrase_text_);
  const std::string new_key = dir_ / "second-passphrase";
  std::ofstream(new_key, std::ios::binary) << "a second keyslot";
  const ProcessResult added = run_process({cryptsetup(), "luksAddKey", "-q", "--pbkdf", "pbkdf2",
                                           "--pbkdf-force-iterations", "1000", "--key-file",
                                           old_key, path, new_key});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const std::uint64_t used = header_used_bytes(path);
  EXPECT_EQ(used, built.used_bytes + 258048);
  Bytes bytes = read_bytes(path);
  EXPECT_FALSE(header_has_token(bytes, "pv2luks-test"));
  std::fill(bytes.begin() + static_cast<long>(used), bytes.end(), 0x5a);
  const std::string copy = dir_ / "copy";
  write_bytes(copy, bytes);
  EXPECT_TRUE(unlock_volume_key(copy, secure_text("a second keyslot")).equals(volume_key_));
  const std::string token = dir_ / "token.json";
  std::ofstream(token) << R"({"type":"pv2luks-test","keyslots":["1"]})";
  const ProcessResult imported =
      run_process({cryptsetup(), "token", "import", "--json-file", token, path});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(header_has_token(read_bytes(path), "pv2luks-test"));
  EXPECT_FALSE(header_has_token(read_bytes(path), "systemd-tpm2"));
}

TEST_F(LuksHeader, Luks1DefaultAndMinimalAreWhatCryptsetupReads) {
  for (const std::uint64_t tail_room_bytes : {2 * kMiB, 2 * kMiB - 1}) {
    SCOPED_TRACE(tail_room_bytes);
    const HeaderSpec spec = fast_spec(LuksType::kLuks1, tail_room_bytes);
    const std::string path = dir_ / ("luks1-" + std::to_string(tail_room_bytes));
    const BuiltHeader built = build_header(spec, volume_key_, passphrase_, 64 * kMiB, path);
    EXPECT_EQ(built.data_offset_sectors, tail_room_bytes == 2 * kMiB ? 4096u : 4040u);

    const std::string dump = luks_dump(path);
    EXPECT_TRUE(contains(dump, "Version:       \t1")) << dump;
    EXPECT_TRUE(contains(dump, "Cipher name:   \taes")) << dump;
    EXPECT_TRUE(contains(dump, "Cipher mode:   \txts-plain64")) << dump;
    EXPECT_TRUE(contains(dump, "Payload offset:\t" + std::to_string(built.data_offset_sectors)))
        << dump;
    EXPECT_TRUE(contains(dump, "MK bits:       \t512")) << dump;
    EXPECT_TRUE(contains(dump, "Key Slot 0: ENABLED")) << dump;

    const ProcessResult key_dump = dump_volume_key(path, passphrase_file(dir_, passphrase_text_));
    ASSERT_EQ(key_dump.exit_code, 0) << key_dump.err;
    EXPECT_EQ(parse_mk_dump(key_dump.out), bytes_of(volume_key_));
    EXPECT_TRUE(unlock_volume_key(path, passphrase_).equals(volume_key_));
    EXPECT_EQ(read_header(path).type, LuksType::kLuks1);
  }
}

TEST_F(LuksHeader, Luks2FourKiBSectorsLabelAndUuid) {
  HeaderSpec spec = fast_spec(LuksType::kLuks2, 1 * kMiB, 4096);
  spec.label = "pv2luks-test";
  spec.uuid = "0e8a3c2e-5d1f-4b9e-8f7a-2c4d6e8f0a1b";
  const std::string path = dir_ / "header";
  build_header(spec, volume_key_, passphrase_, 64 * kMiB, path);
  const std::string dump = luks_dump(path);
  EXPECT_TRUE(contains(dump, "sector: 4096 [bytes]")) << dump;
  EXPECT_TRUE(contains(dump, "Label:         \tpv2luks-test")) << dump;
  EXPECT_TRUE(contains(dump, "UUID:          \t0e8a3c2e-5d1f-4b9e-8f7a-2c4d6e8f0a1b")) << dump;
  EXPECT_EQ(read_header(path).sector_size_bytes, 4096u);
}

TEST_F(LuksHeader, Argon2idKeyslot) {
  HeaderSpec spec = fast_spec(LuksType::kLuks2, 1 * kMiB);
  spec.pbkdf = "argon2id";
  spec.pbkdf_force_iterations = 4;  // argon2's minimum cost, 32 MiB
  spec.pbkdf_memory_kib = 32 * 1024;
  spec.pbkdf_parallel_threads = 1;
  const std::string path = dir_ / "header";
  build_header(spec, volume_key_, passphrase_, 64 * kMiB, path);
  const std::string dump = luks_dump(path);
  EXPECT_TRUE(contains(dump, "PBKDF:      argon2id")) << dump;
  EXPECT_TRUE(contains(dump, "Time cost:  4")) << dump;
  EXPECT_TRUE(unlock_volume_key(path, passphrase_).equals(volume_key_));
}

TEST_F(LuksHeader, WrongPassphraseOpensNothing) {
  const HeaderSpec spec = fast_spec(LuksType::kLuks2, 1 * kMiB);
  const std::string path = dir_ / "header";
  build_header(spec, volume_key_, passphrase_, 64 * kMiB, path);

  // Without the newline: a different passphrase, as for cryptsetup.
  const std::string wrong = "correct horse battery staple";
  try {
    unlock_volume_key(path, secure_text(wrong));
    ADD_FAILURE() << "a wrong passphrase unlocked the header";
  } catch (const Error& error) {
    EXPECT_TRUE(contains(error.what(), path + ": no keyslot opens with this passphrase"))
        << error.what();
  }
  const ProcessResult key_dump = dump_volume_key(path, passphrase_file(dir_, wrong));
  EXPECT_NE(key_dump.exit_code, 0);
  EXPECT_TRUE(parse_mk_dump(key_dump.out).empty());
}

TEST_F(LuksHeader, ProblemsAreRefusedBeforeAnythingIsWritten) {
  HeaderSpec spec = fast_spec(LuksType::kLuks1, 2 * kMiB);
  spec.data_offset_sectors = 4032;  // inside the keyslots of a 512-bit key
  const std::string path = dir_ / "never";
  try {
    build_header(spec, volume_key_, passphrase_, 64 * kMiB, path);
    ADD_FAILURE() << "an offset inside the keyslots was accepted";
  } catch (const Error& error) {
    EXPECT_TRUE(contains(error.what(), "inside the LUKS1 keyslots")) << error.what();
  }
  EXPECT_FALSE(fs::exists(path));

  const HeaderSpec good = fast_spec(LuksType::kLuks2, 1 * kMiB);
  EXPECT_THROW(build_header(good, volume_key_, SecureBuffer(), 64 * kMiB, path), Error);
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(LuksHeader, RefusesAFileBiggerThanTheHeader) {
  const std::string path = dir_ / "image";
  const Bytes data(2 * kMiB, 0x42);
  write_bytes(path, data);
  const HeaderSpec spec = fast_spec(LuksType::kLuks2, 1 * kMiB);
  try {
    build_header(spec, volume_key_, passphrase_, 64 * kMiB, path);
    ADD_FAILURE() << "a file with data behind the header was formatted";
  } catch (const Error& error) {
    EXPECT_TRUE(contains(error.what(), "refusing to format a file that may hold data"))
        << error.what();
  }
  EXPECT_EQ(read_bytes(path), data);
}

TEST_F(LuksHeader, LibcryptsetupErrorsCarryItsReason) {
  HeaderSpec spec = fast_spec(LuksType::kLuks2, 1 * kMiB);
  spec.cipher = "no-such-cipher";
  try {
    build_header(spec, volume_key_, passphrase_, 64 * kMiB, dir_ / "header");
    ADD_FAILURE() << "an unknown cipher was accepted";
  } catch (const Error& error) {
    EXPECT_TRUE(contains(error.what(), ": crypt_format failed: ")) << error.what();
    EXPECT_TRUE(contains(error.what(), "(libcryptsetup: ")) << error.what();
  }
}

// How the IV of each encryption sector is formed. Only kDataSector512 is
// right; the others are negative controls that must not match cryptsetup.
enum class IvRule {
  kDataSector512,    // little-endian 512-byte sector number from the data area start
  kDeviceSector512,  // ... counted from the start of the device instead
  kBigEndian,        // right number, wrong byte order
  kLargeSectors,     // counted in encryption sectors (dm-crypt's iv_large_sectors)
};

// aes-xts-plain64 of `plain` as the data area of a LUKS device whose data
// starts at `offset_sectors`, in `sector_bytes` units, through OpenSSL EVP.
Bytes xts_encrypt(const SecureBuffer& key, const Bytes& plain, std::uint64_t offset_sectors,
                  std::uint32_t sector_bytes, IvRule rule, bool encrypt = true) {
  const EVP_CIPHER* cipher = key.size_bytes() == 64 ? EVP_aes_256_xts() : EVP_aes_128_xts();
  Bytes out(plain.size());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  for (std::size_t at = 0; at < plain.size(); at += sector_bytes) {
    std::uint64_t number = at / kSectorBytes;
    if (rule == IvRule::kDeviceSector512) number += offset_sectors;
    if (rule == IvRule::kLargeSectors) number = at / sector_bytes;
    std::uint8_t iv[16] = {};
    for (int i = 0; i < 8; ++i) {
      const int index = rule == IvRule::kBigEndian ? 15 - i : i;
      iv[index] = static_cast<std::uint8_t>(number >> (8 * i));
    }
    int length = 0;
    EXPECT_EQ(EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), iv, encrypt ? 1 : 0), 1);
    EXPECT_EQ(EVP_CipherUpdate(ctx, out.data() + at, &length, plain.data() + at,
                               static_cast<int>(sector_bytes)),
              1);
    EXPECT_EQ(EVP_CipherFinal_ex(ctx, out.data() + at + length, &length), 1);
  }
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

class LuksData : public LuksHeader, public ::testing::WithParamInterface<std::uint32_t> {};

// cryptsetup reencrypt --encrypt --reduce-device-size 2M (which works on a
// plain file without device-mapper) moves the first part of the file 1 MiB
// on and encrypts it there. Given our volume key, its ciphertext is the
// reference our own encryption must match byte for byte.
TEST_P(LuksData, OurEncryptionIsCryptsetupsAndOurHeaderOpensIt) {
  const std::uint32_t sector_bytes = GetParam();
  const Bytes plain = random_bytes(64 * kKiB);
  const std::uint64_t offset_bytes = 1 * kMiB;
  const std::uint64_t offset_sectors = offset_bytes / kSectorBytes;

  // cryptsetup's reference.
  const std::string reference = dir_ / "reference";
  Bytes file = plain;
  file.resize(plain.size() + 2 * kMiB);
  write_bytes(reference, file);
  write_bytes(dir_ / "volume-key", bytes_of(volume_key_));
  const ProcessResult encrypt = run_process({cryptsetup(),
                                             "reencrypt",
                                             "--encrypt",
                                             "--batch-mode",
                                             "--type",
                                             "luks2",
                                             "--reduce-device-size",
                                             "2M",
                                             "--sector-size",
                                             std::to_string(sector_bytes),
                                             "--volume-key-file",
                                             dir_ / "volume-key",
                                             "--key-size",
                                             "512",
                                             "--key-file",
                                             passphrase_file(dir_, passphrase_text_),
                                             "--pbkdf",
                                             "pbkdf2",
                                             "--pbkdf-force-iterations",
                                             std::to_string(kFastIterations),
                                             reference});
  ASSERT_EQ(encrypt.exit_code, 0) << encrypt.err;
  ASSERT_TRUE(contains(luks_dump(reference), "offset: 1048576 [bytes]"));
  const Bytes reference_bytes = read_bytes(reference);
  const Bytes cryptsetup_cipher(reference_bytes.begin() + offset_bytes,
                                reference_bytes.begin() + offset_bytes + plain.size());

  // Ours: a header for a 1 MiB shift, then the data encrypted by OpenSSL.
  const std::string image = dir_ / "image";
  const HeaderSpec spec = fast_spec(LuksType::kLuks2, offset_bytes, sector_bytes);
  ASSERT_EQ(spec.data_offset_sectors, offset_sectors);
  build_header(spec, volume_key_, passphrase_, offset_bytes + plain.size(), image);
  const Bytes ours =
      xts_encrypt(volume_key_, plain, offset_sectors, sector_bytes, IvRule::kDataSector512);
  EXPECT_TRUE(ours == cryptsetup_cipher) << "our aes-xts-plain64 differs from cryptsetup's";
  {
    std::ofstream out(image, std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(ours.data()),
              static_cast<std::streamsize>(ours.size()));
  }

  // The image opens with the passphrase (stock tool and libcryptsetup), and
  // its data area decrypts back to the plaintext.
  const ProcessResult key_dump = dump_volume_key(image, passphrase_file(dir_, passphrase_text_));
  ASSERT_EQ(key_dump.exit_code, 0) << key_dump.err;
  EXPECT_EQ(parse_mk_dump(key_dump.out), bytes_of(volume_key_));
  const SecureBuffer unlocked = unlock_volume_key(image, passphrase_);
  const Bytes image_bytes = read_bytes(image);
  ASSERT_EQ(image_bytes.size(), offset_bytes + plain.size());
  const Bytes data_area(image_bytes.begin() + offset_bytes, image_bytes.end());
  EXPECT_TRUE(xts_encrypt(unlocked, data_area, offset_sectors, sector_bytes, IvRule::kDataSector512,
                          false) == plain);

  // Negative controls: each wrong IV convention misses cryptsetup's bytes.
  for (const IvRule wrong : {IvRule::kDeviceSector512, IvRule::kBigEndian, IvRule::kLargeSectors}) {
    if (wrong == IvRule::kLargeSectors && sector_bytes == 512) continue;  // same as right
    EXPECT_FALSE(xts_encrypt(volume_key_, plain, offset_sectors, sector_bytes, wrong) ==
                 cryptsetup_cipher)
        << "IV rule " << static_cast<int>(wrong) << " matched cryptsetup";
  }
}

INSTANTIATE_TEST_SUITE_P(Luks, LuksData, ::testing::Values(512u, 4096u),
                         [](const auto& info) { return std::to_string(info.param) + "B"; });

TEST(LuksVolumeKey, RandomKeysOfTheRequestedSize) {
  const SecureBuffer first = generate_volume_key();
  const SecureBuffer second = generate_volume_key();
  EXPECT_EQ(first.size_bytes(), 64u);
  EXPECT_FALSE(first.equals(second));
  EXPECT_FALSE(first.equals(SecureBuffer(64)));  // not all zero
  EXPECT_TRUE(first.locked());
  EXPECT_EQ(generate_volume_key(256).size_bytes(), 32u);
  EXPECT_THROW(generate_volume_key(0), Error);
  EXPECT_THROW(generate_volume_key(511), Error);
  EXPECT_THROW(generate_volume_key(kMaxVolumeKeyBits + 8), Error);
}

}  // namespace
}  // namespace pv2luks
