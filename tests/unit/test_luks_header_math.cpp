// LUKS header arithmetic (converter/lib/luks/header.h): keyslot areas, the
// smallest headers, which header fits a device's tail room, and the checks
// build_header makes before it touches a file. Pure: no libcryptsetup calls.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "luks/header.h"

namespace pv2luks {
namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * 1024;

TEST(LuksHeaderMath, KeyslotAreaIsTheSplitKeyRoundedToFourKiB) {
  EXPECT_EQ(keyslot_area_bytes(128), 65536u);   // 16 * 4000 = 64000 -> 16 pages
  EXPECT_EQ(keyslot_area_bytes(256), 131072u);  // 128000 -> 32 pages
  EXPECT_EQ(keyslot_area_bytes(512), 258048u);  // 256000 -> 63 pages
}

TEST(LuksHeaderMath, Luks1MinimumsAreCryptsetups) {
  // cryptsetup luksFormat --type luks1 without alignment puts the data at 1032 /
  // 2056 sectors for 128- / 256-bit keys; and 4040 for aes-xts-plain64's 512 bits.
  EXPECT_EQ(min_header_bytes(LuksType::kLuks1, 128) / kSectorBytes, 1032u);
  EXPECT_EQ(min_header_bytes(LuksType::kLuks1, 256) / kSectorBytes, 2056u);
  EXPECT_EQ(min_header_bytes(LuksType::kLuks1, 512) / kSectorBytes, 4040u);
}

TEST(LuksHeaderMath, Luks2MinimumIsTwoMetadataCopiesAndOneKeyslot) {
  EXPECT_EQ(min_header_bytes(LuksType::kLuks2, 512), 32 * kKiB + 258048);  // 568 sectors
  EXPECT_EQ(min_header_bytes(LuksType::kLuks2, 256), 32 * kKiB + 131072);
}

TEST(LuksHeaderMath, Luks2DefaultWhenSixteenMiBFit) {
  const HeaderChoice choice = choose_header(LuksType::kLuks2, 100 * kMiB);
  ASSERT_TRUE(choice.fits) << choice.summary;
  EXPECT_EQ(choice.spec.data_offset_sectors, 32768u);
  EXPECT_EQ(choice.spec.luks2_metadata_size_bytes, 16 * kKiB);
  EXPECT_EQ(choice.spec.luks2_keyslots_size_bytes, 16 * kMiB - 32 * kKiB);  // cryptsetup's default
  EXPECT_EQ(choice.keyslots, kLuks2MaxKeyslots);
  EXPECT_NE(choice.summary.find("default 16 MiB"), std::string::npos) << choice.summary;

  EXPECT_EQ(choose_header(LuksType::kLuks2, 16 * kMiB).spec.data_offset_sectors, 32768u);
}

TEST(LuksHeaderMath, Luks2SmallerHeadersStepDownByPowersOfTwo) {
  struct Case {
    std::uint64_t tail_room_bytes;
    std::uint64_t header_bytes;
    std::uint32_t keyslots;  // of 512-bit keys
  };
  for (const Case& c : {Case{16 * kMiB - 1, 8 * kMiB, 32}, Case{8 * kMiB, 8 * kMiB, 32},
                        Case{5 * kMiB, 4 * kMiB, 16}, Case{3 * kMiB, 2 * kMiB, 8},
                        Case{2 * kMiB - 4096, 1 * kMiB, 3}, Case{1 * kMiB, 1 * kMiB, 3}}) {
    const HeaderChoice choice = choose_header(LuksType::kLuks2, c.tail_room_bytes);
    ASSERT_TRUE(choice.fits) << c.tail_room_bytes << ": " << choice.summary;
    EXPECT_EQ(header_size_bytes(choice.spec), c.header_bytes) << c.tail_room_bytes;
    EXPECT_EQ(choice.spec.luks2_metadata_size_bytes, 16 * kKiB);
    EXPECT_EQ(choice.spec.luks2_keyslots_size_bytes, c.header_bytes - 32 * kKiB);
    EXPECT_EQ(choice.keyslots, c.keyslots) << c.tail_room_bytes;
    EXPECT_NE(choice.summary.find("smaller"), std::string::npos) << choice.summary;
    EXPECT_NE(choice.summary.find(std::to_string(c.tail_room_bytes)), std::string::npos)
        << choice.summary;
  }
}

TEST(LuksHeaderMath, Luks2BelowOneMiBTakesTheLargestFourKiBMultiple) {
  const HeaderChoice choice = choose_header(LuksType::kLuks2, 600 * kKiB + 123);
  ASSERT_TRUE(choice.fits) << choice.summary;
  EXPECT_EQ(header_size_bytes(choice.spec), 600 * kKiB);
  EXPECT_EQ(choice.spec.luks2_keyslots_size_bytes, 600 * kKiB - 32 * kKiB);
  EXPECT_EQ(choice.keyslots, 2u);  // 2 x 258048 <= 581632
}

TEST(LuksHeaderMath, Luks2SmallestHeaderHoldsOneKeyslot) {
  const std::uint64_t smallest = min_header_bytes(LuksType::kLuks2, 512);
  const HeaderChoice choice = choose_header(LuksType::kLuks2, smallest);
  ASSERT_TRUE(choice.fits) << choice.summary;
  EXPECT_EQ(choice.spec.data_offset_sectors, 568u);
  EXPECT_EQ(choice.keyslots, 1u);
  EXPECT_NE(choice.summary.find("room for 1 keyslot "), std::string::npos) << choice.summary;
}

TEST(LuksHeaderMath, Luks2NothingFitsNamesTheBytesNeeded) {
  const std::uint64_t smallest = min_header_bytes(LuksType::kLuks2, 512);
  const HeaderChoice choice = choose_header(LuksType::kLuks2, smallest - 1);
  EXPECT_FALSE(choice.fits);
  EXPECT_NE(choice.summary.find("needs " + std::to_string(smallest) + " bytes"), std::string::npos)
      << choice.summary;
  EXPECT_NE(choice.summary.find("1 bytes more"), std::string::npos) << choice.summary;
  EXPECT_FALSE(choose_header(LuksType::kLuks2, 0).fits);
}

TEST(LuksHeaderMath, Luks2SmallerKeysNeedLess) {
  const HeaderChoice choice = choose_header(LuksType::kLuks2, 200 * kKiB, 256);
  ASSERT_TRUE(choice.fits) << choice.summary;
  EXPECT_EQ(header_size_bytes(choice.spec), 200 * kKiB);
  EXPECT_EQ(choice.keyslots, 1u);
  EXPECT_EQ(choice.spec.key_size_bits, 256u);
}

TEST(LuksHeaderMath, Luks2FourKiBSectorsKeepTheOffsetAligned) {
  const HeaderChoice choice = choose_header(LuksType::kLuks2, 700 * kKiB + 511, 512, 4096);
  ASSERT_TRUE(choice.fits) << choice.summary;
  EXPECT_EQ(header_size_bytes(choice.spec) % 4096, 0u);
  EXPECT_EQ(choice.spec.sector_size_bytes, 4096u);
  EXPECT_FALSE(choose_header(LuksType::kLuks2, 16 * kMiB, 512, 1000).fits);
  EXPECT_FALSE(choose_header(LuksType::kLuks2, 16 * kMiB, 512, 8192).fits);
}

TEST(LuksHeaderMath, Luks1DefaultIsTheMinimumAlignedToOneMiB) {
  const HeaderChoice choice = choose_header(LuksType::kLuks1, 2 * kMiB);
  ASSERT_TRUE(choice.fits) << choice.summary;
  EXPECT_EQ(choice.spec.data_offset_sectors, 4096u);
  EXPECT_EQ(choice.keyslots, 8u);
  EXPECT_EQ(choice.spec.luks2_metadata_size_bytes, 0u);
  EXPECT_NE(choice.summary.find("default"), std::string::npos) << choice.summary;
  EXPECT_EQ(choose_header(LuksType::kLuks1, 2 * kMiB, 256).spec.data_offset_sectors, 4096u);
  EXPECT_EQ(choose_header(LuksType::kLuks1, 2 * kMiB, 128).spec.data_offset_sectors, 2048u);
}

TEST(LuksHeaderMath, Luks1FallsBackToTheMinimum) {
  const HeaderChoice choice = choose_header(LuksType::kLuks1, 2 * kMiB - 1);
  ASSERT_TRUE(choice.fits) << choice.summary;
  EXPECT_EQ(choice.spec.data_offset_sectors, 4040u);
  EXPECT_NE(choice.summary.find("minimal"), std::string::npos) << choice.summary;
  EXPECT_EQ(choose_header(LuksType::kLuks1, 1100 * kKiB, 256).spec.data_offset_sectors, 2056u);
  EXPECT_EQ(choose_header(LuksType::kLuks1, 1 * kMiB - 1, 128).spec.data_offset_sectors, 1032u);
}

TEST(LuksHeaderMath, Luks1NothingFitsNamesTheBytesNeeded) {
  const HeaderChoice choice = choose_header(LuksType::kLuks1, 4039 * kSectorBytes);
  EXPECT_FALSE(choice.fits);
  EXPECT_NE(choice.summary.find("needs 2068480 bytes (4040 sectors)"), std::string::npos)
      << choice.summary;
  EXPECT_FALSE(choose_header(LuksType::kLuks1, 100 * kMiB, 512, 4096).fits);  // no 4K sectors
}

TEST(LuksHeaderMath, InvalidKeySizesNeverFit) {
  EXPECT_FALSE(choose_header(LuksType::kLuks2, 100 * kMiB, 0).fits);
  EXPECT_FALSE(choose_header(LuksType::kLuks2, 100 * kMiB, 511).fits);
}

HeaderSpec valid_luks2() {
  HeaderChoice choice = choose_header(LuksType::kLuks2, 16 * kMiB);
  return choice.spec;
}

TEST(LuksHeaderMath, SpecProblemAcceptsAChosenHeader) {
  EXPECT_EQ(header_spec_problem(valid_luks2(), 64, 100 * kMiB), "");
  EXPECT_EQ(header_spec_problem(choose_header(LuksType::kLuks1, kMiB * 4).spec, 64, 100 * kMiB),
            "");
  EXPECT_EQ(header_spec_problem(choose_header(LuksType::kLuks2, 300 * kKiB).spec, 64, 100 * kMiB),
            "");
}

TEST(LuksHeaderMath, SpecProblemNamesWhatIsWrong) {
  struct Case {
    const char* expected;
    HeaderSpec spec;
    std::size_t key_bytes = 64;
    std::uint64_t device_bytes = 100 * kMiB;
  };
  std::vector<Case> cases;
  {
    Case c{"the volume key has 256 bits", valid_luks2()};
    c.key_bytes = 32;
    cases.push_back(c);
  }
  {
    Case c{"not a positive multiple of 8 sectors", valid_luks2()};
    c.spec.data_offset_sectors = 32767;
    cases.push_back(c);
  }
  {
    Case c{"no room for data", valid_luks2()};
    c.device_bytes = 16 * kMiB;
    cases.push_back(c);
  }
  {
    Case c{"not a whole number of 4096-byte encryption sectors", valid_luks2()};
    c.spec.sector_size_bytes = 4096;
    c.device_bytes = 100 * kMiB + 512;
    cases.push_back(c);
  }
  {
    Case c{"LUKS2 metadata size 12288", valid_luks2()};
    c.spec.luks2_metadata_size_bytes = 12 * kKiB;
    cases.push_back(c);
  }
  {
    Case c{"is not a multiple of 4096", valid_luks2()};
    c.spec.luks2_keyslots_size_bytes = 5000;
    cases.push_back(c);
  }
  {
    Case c{"do not fit before the data offset", valid_luks2()};
    c.spec.luks2_keyslots_size_bytes = 16 * kMiB;
    cases.push_back(c);
  }
  {
    Case c{"smaller than the 258048 bytes one keyslot", valid_luks2()};
    c.spec.data_offset_sectors = 512;  // 256 KiB: 224 KiB of keyslots area
    c.spec.luks2_keyslots_size_bytes = 0;
    cases.push_back(c);
  }
  {
    Case c{"inside the LUKS1 keyslots", choose_header(LuksType::kLuks1, 4 * kMiB).spec};
    c.spec.data_offset_sectors = 4032;
    cases.push_back(c);
  }
  {
    Case c{"pbkdf2 only", choose_header(LuksType::kLuks1, 4 * kMiB).spec};
    c.spec.pbkdf = "argon2id";
    cases.push_back(c);
  }
  {
    Case c{"no label", choose_header(LuksType::kLuks1, 4 * kMiB).spec};
    c.spec.label = "pv";
    cases.push_back(c);
  }
  {
    Case c{"512-byte sectors only", choose_header(LuksType::kLuks1, 4 * kMiB).spec};
    c.spec.sector_size_bytes = 4096;
    cases.push_back(c);
  }
  for (const Case& c : cases) {
    const std::string problem = header_spec_problem(c.spec, c.key_bytes, c.device_bytes);
    EXPECT_NE(problem.find(c.expected), std::string::npos)
        << "expected '" << c.expected << "' in '" << problem << "'";
  }
}

TEST(LuksHeaderIdentity, TheVersionFieldAfterTheMagic) {
  std::vector<std::uint8_t> header = {'L', 'U', 'K', 'S', 0xba, 0xbe, 0, 2};
  EXPECT_EQ(luks_type_of(header), LuksType::kLuks2);
  header[7] = 1;
  EXPECT_EQ(luks_type_of(header), LuksType::kLuks1);
  header[7] = 3;
  EXPECT_THROW(luks_type_of(header), Error);
  EXPECT_THROW(luks_type_of({'L', 'U'}), Error);
}

TEST(LuksHeaderIdentity, CryptsetupsDmUuid) {
  EXPECT_EQ(cryptsetup_dm_uuid(LuksType::kLuks2, "0a1b2c3d-1111-2222-3333-444455556666", "vda2_crypt"),
            "CRYPT-LUKS2-0a1b2c3d111122223333444455556666-vda2_crypt");
  EXPECT_EQ(cryptsetup_dm_uuid(LuksType::kLuks1, "ab-cd", "x"), "CRYPT-LUKS1-abcd-x");
}

}  // namespace
}  // namespace pv2luks
