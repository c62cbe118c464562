// base/crc32: zlib's CRC-32 in GPT's and in LVM2's convention, against known
// values (the CRC-32 catalogue's check value; LVM2's, computed bit by bit
// from its definition in lvm2's lib/misc/crc.c).
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "base/crc32.h"

namespace pv2luks {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(Crc32, GptCheckValue) { EXPECT_EQ(crc32(bytes_of("123456789")), 0xCBF43926u); }

TEST(Crc32, LvmValuesFromItsInitialValue) {
  EXPECT_EQ(lvm_crc32(kLvmCrcInitial, bytes_of("123456789")), 0x4991cf02u);
  EXPECT_EQ(lvm_crc32(kLvmCrcInitial, {}), kLvmCrcInitial);
  EXPECT_EQ(lvm_crc32(0, bytes_of("a")), 0x3ab551ceu);
}

TEST(Crc32, LvmContinuesOverPieces) {
  const std::vector<std::uint8_t> data(100000, 0x5a);
  const std::span<const std::uint8_t> all(data);
  EXPECT_EQ(lvm_crc32(lvm_crc32(kLvmCrcInitial, all.first(777)), all.subspan(777)),
            lvm_crc32(kLvmCrcInitial, all));
  EXPECT_EQ(lvm_crc32(kLvmCrcInitial, all), 0x7116022bu);
  EXPECT_NE(lvm_crc32(kLvmCrcInitial, all), crc32(all));
}

}  // namespace
}  // namespace pv2luks
