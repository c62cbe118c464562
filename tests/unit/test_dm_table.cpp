// dm tables as values (converter/lib/dm/dm_table.h): target text as the kernel
// reads it, key redaction, validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "dm/dm_table.h"
#include "base/secure_buffer.h"

namespace pv2luks {
namespace {

// A key in a SecureBuffer, as the luks module hands it out.
std::shared_ptr<const SecureBuffer> key_buffer(const std::vector<std::uint8_t>& bytes) {
  test_hooks::allow_unlocked_memory(true);  // a test host may have a tiny mlock limit
  auto buffer = std::make_shared<SecureBuffer>(bytes.size());
  std::memcpy(buffer->data(), bytes.data(), bytes.size());
  return buffer;
}

// A 64-byte key whose hex form is easy to search for.
std::vector<std::uint8_t> sample_key_bytes() {
  std::vector<std::uint8_t> bytes(64);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(0xa0 + i);
  return bytes;
}

std::string hex_of(const std::vector<std::uint8_t>& bytes) {
  std::string hex;
  char digits[3];
  for (std::uint8_t byte : bytes) {
    std::snprintf(digits, sizeof digits, "%02x", byte);
    hex += digits;
  }
  return hex;
}

CryptSpec keyring_spec() {
  CryptSpec spec;
  spec.key = KeyRef::keyring(64, "cryptsetup:0f5d-d0");
  return spec;
}

CryptSpec hex_spec() {
  CryptSpec spec;
  spec.key = KeyRef::bytes(key_buffer(sample_key_bytes()));
  return spec;
}

// A well-formed table of every kind of target we make.
DmTable three_target_table(const CryptSpec& spec) {
  return {{linear_target(0, 2048, "/dev/vdb", 0),
           mirror_target(2048, 4096, 1024, {{"/dev/vdb", 2048}, {"253:4", 2048}}),
           crypt_target(6144, 4096, spec, 6144, "/dev/vdb", 10240)}};
}

bool any_contains(const std::vector<std::string>& texts, const std::string& needle) {
  for (const std::string& text : texts) {
    if (text.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(DmTableText, Linear) {
  const DmTarget target = linear_target(0, 100, "/dev/vdb", 2048);
  EXPECT_EQ(target.type(), "linear");
  EXPECT_EQ(target.params_text(ShowKeys::no), "/dev/vdb 2048");
  EXPECT_EQ(target.end_sectors(), 100u);
}

TEST(DmTableText, CryptWithKeyringKeyShowsTheReferenceEitherWay) {
  const DmTarget target = crypt_target(8, 16, keyring_spec(), 8, "253:3", 4104);
  EXPECT_EQ(target.type(), "crypt");
  const std::string expected = "aes-xts-plain64 :64:logon:cryptsetup:0f5d-d0 8 253:3 4104";
  EXPECT_EQ(target.params_text(ShowKeys::no), expected);
  EXPECT_EQ(target.params_text(ShowKeys::yes), expected);
}

TEST(DmTableText, CryptHexKeyOnlyForTheKernel) {
  const DmTarget target = crypt_target(0, 4096, hex_spec(), 0, "/dev/vdb", 4096);
  EXPECT_EQ(target.params_text(ShowKeys::no), "aes-xts-plain64 <key-redacted> 0 /dev/vdb 4096");
  EXPECT_EQ(target.params_text(ShowKeys::yes),
            "aes-xts-plain64 " + hex_of(sample_key_bytes()) + " 0 /dev/vdb 4096");
}

TEST(DmTableText, HexIsLowercaseTwoDigitsPerByte) {
  const KeyRef key = KeyRef::bytes(key_buffer({0x00, 0x01, 0xab, 0xff}));
  EXPECT_EQ(key.text(ShowKeys::yes), "0001abff");
  EXPECT_EQ(key.text(ShowKeys::no), kRedactedKey);
  EXPECT_EQ(key.key_size_bytes(), 4u);
}

TEST(DmTableText, CryptOptions) {
  CryptSpec spec = keyring_spec();
  spec.cipher = "aes-cbc-essiv:sha256";
  const std::string head = "aes-cbc-essiv:sha256 :64:logon:cryptsetup:0f5d-d0 0 /dev/vdb 8";
  EXPECT_EQ(crypt_target(0, 8, spec, 0, "/dev/vdb", 8).params_text(ShowKeys::no), head);

  spec.sector_bytes = 4096;
  EXPECT_EQ(crypt_target(0, 8, spec, 0, "/dev/vdb", 8).params_text(ShowKeys::no),
            head + " 1 sector_size:4096");
  spec.iv_large_sectors = true;
  EXPECT_EQ(crypt_target(0, 8, spec, 0, "/dev/vdb", 8).params_text(ShowKeys::no),
            head + " 2 sector_size:4096 iv_large_sectors");
  spec.flags = {"allow_discards", "no_read_workqueue"};
  EXPECT_EQ(crypt_target(0, 8, spec, 0, "/dev/vdb", 8).params_text(ShowKeys::no),
            head + " 4 allow_discards no_read_workqueue sector_size:4096 iv_large_sectors");
  spec.sector_bytes = 512;
  spec.iv_large_sectors = false;
  EXPECT_EQ(crypt_target(0, 8, spec, 0, "/dev/vdb", 8).params_text(ShowKeys::no),
            head + " 2 allow_discards no_read_workqueue");
}

TEST(DmTableText, MirrorResyncs) {
  const DmTarget target =
      mirror_target(6144, 4096, 1024, {{"/dev/vdb", 6144}, {"/dev/mapper/vdb_full", 6144}});
  EXPECT_EQ(target.type(), "mirror");
  EXPECT_EQ(target.params_text(ShowKeys::no),
            "core 1 1024 2 /dev/vdb 6144 /dev/mapper/vdb_full 6144");
}

TEST(DmTableText, MirrorNosyncWhenAsked) {
  const DmTarget target =
      mirror_target(0, 8, 8, {{"253:1", 0}, {"253:2", 16}, {"253:3", 24}}, MirrorSync::nosync);
  EXPECT_EQ(target.params_text(ShowKeys::no), "core 2 8 nosync 3 253:1 0 253:2 16 253:3 24");
}

TEST(DmTableText, TableLinesAsDmsetupPrintsThem) {
  EXPECT_EQ(three_target_table(keyring_spec()).to_text(ShowKeys::no),
            "0 2048 linear /dev/vdb 0\n"
            "2048 4096 mirror core 1 1024 2 /dev/vdb 2048 253:4 2048\n"
            "6144 4096 crypt aes-xts-plain64 :64:logon:cryptsetup:0f5d-d0 6144 /dev/vdb 10240\n");
  EXPECT_EQ(DmTable{}.to_text(ShowKeys::no), "");
}

TEST(DmTableText, TotalSectors) {
  EXPECT_EQ(DmTable{}.total_sectors(), 0u);
  EXPECT_EQ(three_target_table(keyring_spec()).total_sectors(), 10240u);
}

TEST(DmTableText, HexKeyNeverInRedactedText) {
  const DmTable table = three_target_table(hex_spec());
  const std::string hex = hex_of(sample_key_bytes());
  const std::string redacted = table.to_text(ShowKeys::no);
  EXPECT_EQ(redacted.find(hex), std::string::npos);
  EXPECT_EQ(redacted.find(hex.substr(0, 16)), std::string::npos);
  EXPECT_NE(redacted.find(kRedactedKey), std::string::npos);
  EXPECT_NE(table.to_text(ShowKeys::yes).find(hex), std::string::npos);
}

TEST(DmTableText, RedactedTextSplitsIntoTheSameFields) {
  const DmTarget target = crypt_target(0, 4096, hex_spec(), 0, "/dev/vdb", 4096);
  auto count_words = [](const std::string& text) {
    return std::count(text.begin(), text.end(), ' ') + 1;
  };
  EXPECT_EQ(count_words(target.params_text(ShowKeys::no)),
            count_words(target.params_text(ShowKeys::yes)));
}

TEST(DmTableText, ToKernelCarriesTheKey) {
  const DmTable table = three_target_table(hex_spec());
  const KernelTable kernel = to_kernel(table);
  ASSERT_EQ(kernel.targets().size(), 3u);
  EXPECT_EQ(kernel.targets()[0].type, "linear");
  EXPECT_EQ(kernel.targets()[1].type, "mirror");
  EXPECT_EQ(kernel.targets()[2].type, "crypt");
  EXPECT_EQ(kernel.targets()[2].start_sectors, 6144u);
  EXPECT_EQ(kernel.targets()[2].length_sectors, 4096u);
  EXPECT_EQ(kernel.targets()[2].params,
            "aes-xts-plain64 " + hex_of(sample_key_bytes()) + " 6144 /dev/vdb 10240");
  EXPECT_EQ(kernel.targets()[1].params, table.targets[1].params_text(ShowKeys::no));
}

TEST(DmTableText, WipeStringEmptiesIt) {
  std::string text = "00112233445566778899aabbccddeeff";
  wipe_string(text);
  EXPECT_TRUE(text.empty());
}

TEST(DmTableKey, Keyring) {
  const KeyRef key = KeyRef::keyring(32, "cryptsetup:x-d0");
  EXPECT_TRUE(key.in_keyring());
  EXPECT_FALSE(key.empty());
  EXPECT_EQ(key.key_size_bytes(), 32u);
  EXPECT_EQ(key.text(ShowKeys::no), ":32:logon:cryptsetup:x-d0");
  EXPECT_EQ(key, KeyRef::keyring(32, "cryptsetup:x-d0"));
  EXPECT_NE(key, KeyRef::keyring(64, "cryptsetup:x-d0"));
  EXPECT_NE(key, KeyRef::keyring(32, "cryptsetup:y-d0"));
}

TEST(DmTableKey, BytesCompareByContent) {
  const KeyRef key = KeyRef::bytes(key_buffer({1, 2, 3}));
  EXPECT_FALSE(key.in_keyring());
  EXPECT_EQ(key, KeyRef::bytes(key_buffer({1, 2, 3})));
  EXPECT_NE(key, KeyRef::bytes(key_buffer({1, 2, 4})));
  EXPECT_NE(key, KeyRef::bytes(key_buffer({1, 2})));
  EXPECT_NE(key, KeyRef::keyring(3, "k"));
}

TEST(DmTableKey, CopiesShareTheBytes) {
  auto buffer = key_buffer({9, 8, 7});
  const KeyRef key = KeyRef::bytes(buffer);
  const KeyRef copy = key;
  EXPECT_EQ(buffer.use_count(), 3);
  EXPECT_EQ(copy.text(ShowKeys::yes), "090807");
}

TEST(DmTableKey, NoKey) {
  const KeyRef key;
  EXPECT_TRUE(key.empty());
  EXPECT_EQ(key.key_size_bytes(), 0u);
  EXPECT_EQ(key.text(ShowKeys::yes), "-");
  EXPECT_EQ(key, KeyRef{});
}

TEST(DmTableValidate, GoodTables) {
  EXPECT_EQ(three_target_table(keyring_spec()).validate(), std::vector<std::string>{});
  EXPECT_EQ(three_target_table(hex_spec()).validate(), std::vector<std::string>{});
  const DmTable one{{linear_target(0, 1, "8:16", 0)}};
  EXPECT_EQ(one.validate(), std::vector<std::string>{});
}

TEST(DmTableValidate, EmptyTable) {
  EXPECT_EQ(DmTable{}.validate(), std::vector<std::string>{"the table has no targets"});
}

TEST(DmTableValidate, MustStartAtZero) {
  const DmTable table{{linear_target(8, 8, "/dev/vdb", 0)}};
  EXPECT_EQ(table.validate(), std::vector<std::string>{
                                  "target 0 (linear, sectors 8+8): gap of 8 sectors before it"});
}

TEST(DmTableValidate, GapBetweenTargets) {
  const DmTable table{{linear_target(0, 8, "/dev/vdb", 0), linear_target(24, 8, "/dev/vdb", 24)}};
  EXPECT_EQ(table.validate(), std::vector<std::string>{
                                  "target 1 (linear, sectors 24+8): gap of 16 sectors before it"});
}

TEST(DmTableValidate, OverlappingTargets) {
  const DmTable table{{linear_target(0, 16, "/dev/vdb", 0), linear_target(8, 16, "/dev/vdb", 8)}};
  EXPECT_EQ(table.validate(),
            std::vector<std::string>{
                "target 1 (linear, sectors 8+16): overlaps 8 sectors of the targets before it"});
}

TEST(DmTableValidate, EmptyTarget) {
  const DmTable table{{linear_target(0, 8, "/dev/vdb", 0), linear_target(8, 0, "/dev/vdb", 8),
                       linear_target(8, 8, "/dev/vdb", 8)}};
  EXPECT_EQ(table.validate(),
            std::vector<std::string>{"target 1 (linear, sectors 8+0): is empty"});
}

TEST(DmTableValidate, TargetPastTheLastSector) {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const DmTable table{{linear_target(0, 8, "/dev/vdb", 0), linear_target(8, max, "/dev/vdb", 0)}};
  const auto problems = table.validate();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("ends beyond the largest sector number"), std::string::npos);
}

TEST(DmTableValidate, MirrorRegion) {
  auto problems_for = [](std::uint64_t length_sectors, std::uint64_t region_sectors) {
    const DmTable table{
        {mirror_target(0, length_sectors, region_sectors, {{"/dev/vdb", 0}, {"253:4", 0}})}};
    return table.validate();
  };
  EXPECT_TRUE(problems_for(8, 8).empty());
  EXPECT_TRUE(problems_for(1032, 1024).empty());  // a partial last region is fine
  EXPECT_TRUE(problems_for(4096, 4096).empty());
  const std::string name = "target 0 (mirror, sectors 0+";
  EXPECT_EQ(problems_for(64, 12), std::vector<std::string>{
                                      name + "64): region of 12 sectors is not a power of two "
                                             "of at least 8"});
  EXPECT_EQ(problems_for(64, 4), std::vector<std::string>{
                                     name + "64): region of 4 sectors is not a power of two "
                                            "of at least 8"});
  EXPECT_EQ(problems_for(64, 0).size(), 1u);
  EXPECT_EQ(problems_for(8, 16), std::vector<std::string>{
                                     name + "8): region of 16 sectors is longer than the target"});
}

TEST(DmTableValidate, MirrorLegs) {
  const DmTable one_leg{{mirror_target(0, 8, 8, {{"/dev/vdb", 0}})}};
  EXPECT_EQ(one_leg.validate(),
            std::vector<std::string>{
                "target 0 (mirror, sectors 0+8): has 1 legs; a mirror needs at least 2"});
  const DmTable bad_name{{mirror_target(0, 8, 8, {{"/dev/vdb", 0}, {"my disk", 0}})}};
  EXPECT_EQ(bad_name.validate(),
            std::vector<std::string>{"target 0 (mirror, sectors 0+8): leg 1 device name 'my "
                                     "disk' is empty or has white space"});
}

TEST(DmTableValidate, CryptOn4KSectors) {
  CryptSpec spec = keyring_spec();
  spec.sector_bytes = 4096;
  EXPECT_TRUE(DmTable{{crypt_target(0, 16, spec, 3, "/dev/vdb", 4096)}}.validate().empty());
  const DmTable table{{linear_target(0, 4, "/dev/vdb", 0),
                       crypt_target(4, 12, spec, 4, "/dev/vdb", 4100)}};
  const std::string name = "target 1 (crypt, sectors 4+12): ";
  EXPECT_EQ(table.validate(),
            (std::vector<std::string>{
                name + "start 4 is not a multiple of its 4096-byte encryption sector (8 sectors)",
                name + "length 12 is not a multiple of its 4096-byte encryption sector (8 sectors)",
                name + "device offset 4100 is not a multiple of its 4096-byte encryption sector "
                       "(8 sectors)"}));
  spec.iv_large_sectors = true;
  EXPECT_EQ(DmTable{{crypt_target(0, 16, spec, 3, "/dev/vdb", 4096)}}.validate(),
            std::vector<std::string>{"target 0 (crypt, sectors 0+16): IV offset 3 is not a "
                                     "multiple of its 4096-byte encryption sector (8 sectors)"});
}

TEST(DmTableValidate, CryptSectorSize) {
  CryptSpec spec = keyring_spec();
  for (std::uint64_t good : {512, 1024, 2048, 4096}) {
    spec.sector_bytes = good;
    EXPECT_TRUE(DmTable{{crypt_target(0, 64, spec, 0, "/dev/vdb", 64)}}.validate().empty())
        << good;
  }
  for (std::uint64_t bad : {0, 256, 3000, 8192}) {
    spec.sector_bytes = bad;
    EXPECT_EQ(DmTable{{crypt_target(0, 64, spec, 0, "/dev/vdb", 64)}}.validate(),
              std::vector<std::string>{"target 0 (crypt, sectors 0+64): encryption sector of " +
                                       std::to_string(bad) +
                                       " bytes is not a power of two from 512 to 4096"});
  }
}

TEST(DmTableValidate, CryptKey) {
  CryptSpec spec;
  auto problems = [&spec] {
    return DmTable{{crypt_target(0, 8, spec, 0, "/dev/vdb", 8)}}.validate();
  };
  const std::string name = "target 0 (crypt, sectors 0+8): ";
  EXPECT_EQ(problems(), std::vector<std::string>{name + "has no key"});
  spec.key = KeyRef::bytes(nullptr);
  EXPECT_EQ(problems(), std::vector<std::string>{name + "key has 0 bytes"});
  spec.key = KeyRef::keyring(0, "k");
  EXPECT_EQ(problems(), std::vector<std::string>{name + "key has 0 bytes"});
  spec.key = KeyRef::keyring(64, "");
  EXPECT_EQ(problems(), std::vector<std::string>{
                            name + "keyring key description '' is empty or has white space"});
  spec.key = KeyRef::keyring(64, "a b");
  EXPECT_EQ(problems().size(), 1u);
}

TEST(DmTableValidate, CipherNullTakesNoKey) {
  CryptSpec spec;
  spec.cipher = "cipher_null-ecb";
  const auto problems = [&spec] {
    return DmTable{{crypt_target(0, 8, spec, 0, "/dev/vdb", 8)}}.validate();
  };
  EXPECT_TRUE(problems().empty());
  EXPECT_EQ(DmTable{{crypt_target(0, 8, spec, 0, "/dev/vdb", 8)}}.to_text(ShowKeys::yes),
            "0 8 crypt cipher_null-ecb - 0 /dev/vdb 8\n");
  spec.key = KeyRef::keyring(64, "k");
  EXPECT_EQ(problems(), std::vector<std::string>{
                            "target 0 (crypt, sectors 0+8): cipher_null-ecb takes no key, only '-'"});
}

TEST(DmTableValidate, WordsThatWouldBreakTheText) {
  CryptSpec spec = keyring_spec();
  spec.cipher = "aes xts";
  spec.flags = {""};
  const DmTable table{{linear_target(0, 8, "", 0), crypt_target(8, 8, spec, 8, "a\tb", 16)}};
  EXPECT_EQ(table.validate(),
            (std::vector<std::string>{
                "target 0 (linear, sectors 0+8): device name '' is empty or has white space",
                "target 1 (crypt, sectors 8+8): cipher 'aes xts' is empty or has white space",
                "target 1 (crypt, sectors 8+8): option '' is empty or has white space",
                "target 1 (crypt, sectors 8+8): device name 'a\tb' is empty or has white space"}));
}

TEST(DmTableValidate, ProblemsNeverShowKeyBytes) {
  CryptSpec spec = hex_spec();
  spec.sector_bytes = 4096;
  spec.cipher = "";
  const DmTable table{{crypt_target(4, 4, spec, 1, "", 1), mirror_target(0, 4, 3, {})}};
  const auto problems = table.validate();
  EXPECT_GE(problems.size(), 6u);
  const std::string hex = hex_of(sample_key_bytes());
  EXPECT_FALSE(any_contains(problems, hex.substr(0, 8)));
  EXPECT_FALSE(any_contains(problems, std::string(kRedactedKey)));
}

TEST(DmTableRedact, KeyBytesReadBackFromTheKernelAreRedacted) {
  const std::string hex = hex_of(sample_key_bytes());
  dm::KernelTarget target{0, 64, "crypt", "aes-xts-plain64 " + hex + " 0 8:16 4096 1 allow_discards"};
  redact_key_bytes(target);
  EXPECT_EQ(target.params,
            "aes-xts-plain64 " + std::string(kRedactedKey) + " 0 8:16 4096 1 allow_discards");
}

TEST(DmTableRedact, KeyringReferencesAndOtherTargetsStay) {
  const std::string keyring = "aes-xts-plain64 :64:logon:cryptsetup:abc-d0 0 8:16 4096";
  dm::KernelTarget crypt{0, 64, "crypt", keyring};
  redact_key_bytes(crypt);
  EXPECT_EQ(crypt.params, keyring);
  dm::KernelTarget linear{0, 64, "linear", "8:16 4096"};
  redact_key_bytes(linear);
  EXPECT_EQ(linear.params, "8:16 4096");
}

TEST(DmTableRedact, KeyFieldIsTheSecondWord) {
  EXPECT_EQ(crypt_key_field("aes ab12 0 8:16 0"), (std::pair<std::size_t, std::size_t>{4, 4}));
  EXPECT_EQ(crypt_key_field("aes ab12"), (std::pair<std::size_t, std::size_t>{4, 4}));
  EXPECT_EQ(crypt_key_field("aes"), (std::pair<std::size_t, std::size_t>{0, 0}));
}

}  // namespace
}  // namespace pv2luks
