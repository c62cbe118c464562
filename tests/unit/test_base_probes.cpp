// The one LUKS probe and the one LVM-label probe (base/probe_luks.h,
// base/probe_lvm_label.h): what blkid calls LUKS and an LVM2 PV, and the
// near misses it does not.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/probe_luks.h"
#include "base/probe_lvm_label.h"
#include "base/round.h"
#include "base/size_text.h"

namespace pv2luks {
namespace {

using Bytes = std::vector<std::uint8_t>;

ReadAt reader(const Bytes& bytes) {
  return [&bytes](std::uint64_t offset_bytes, std::span<std::uint8_t> out) {
    if (offset_bytes > bytes.size() || out.size() > bytes.size() - offset_bytes) {
      Fail() << "read past the end";
    }
    std::memcpy(out.data(), bytes.data() + offset_bytes, out.size());
  };
}

unsigned luks_version(const Bytes& bytes) { return probe_luks(reader(bytes), bytes.size()); }

// A binary LUKS header at `at`: magic, version, and (LUKS2) hdr_offset.
void put_header(Bytes& bytes, std::size_t at, const char* magic, unsigned version,
                std::uint64_t hdr_offset_bytes) {
  std::memcpy(&bytes[at], magic, 6);
  bytes[at + 6] = static_cast<std::uint8_t>(version >> 8);
  bytes[at + 7] = static_cast<std::uint8_t>(version);
  for (int i = 0; i < 8; ++i) {
    bytes[at + 256 + i] = static_cast<std::uint8_t>(hdr_offset_bytes >> (56 - 8 * i));
  }
}

TEST(ProbeLuks, PrimaryHeaderOfEitherVersion) {
  Bytes disk(8 << 20);
  put_header(disk, 0, "LUKS\xba\xbe", 1, 0);
  EXPECT_EQ(luks_version(disk), 1u);
  put_header(disk, 0, "LUKS\xba\xbe", 2, 0);
  EXPECT_EQ(luks_version(disk), 2u);
}

TEST(ProbeLuks, NoVersionOrAnUnknownOneIsNotLuks) {
  Bytes disk(1 << 20);
  EXPECT_EQ(luks_version(disk), 0u);
  put_header(disk, 0, "LUKS\xba\xbe", 0, 0);
  EXPECT_EQ(luks_version(disk), 0u);
  put_header(disk, 0, "LUKS\xba\xbe", 3, 0);
  EXPECT_EQ(luks_version(disk), 0u);
  // A LUKS2 primary that says it lies elsewhere is a stray copy.
  put_header(disk, 0, "LUKS\xba\xbe", 2, 16 << 10);
  EXPECT_EQ(luks_version(disk), 0u);
}

TEST(ProbeLuks, SkulAtByteZeroAloneIsNotLuks) {
  Bytes disk(1 << 20);
  put_header(disk, 0, "SKUL\xba\xbe", 2, 0);
  EXPECT_EQ(luks_version(disk), 0u);
}

TEST(ProbeLuks, ASecondaryHeaderAtEachOfItsOffsets) {
  for (std::uint64_t offset = 16 << 10; offset <= (4 << 20); offset *= 2) {
    Bytes disk(8 << 20);
    put_header(disk, offset, "SKUL\xba\xbe", 2, offset);
    EXPECT_EQ(luks_version(disk), 2u) << offset;
    put_header(disk, offset, "SKUL\xba\xbe", 2, offset * 2);  // names another offset
    EXPECT_EQ(luks_version(disk), 0u) << offset;
    put_header(disk, offset, "SKUL\xba\xbe", 1, offset);  // LUKS1 has no secondary
    EXPECT_EQ(luks_version(disk), 0u) << offset;
  }
  Bytes disk(1 << 20);
  put_header(disk, 24 << 10, "SKUL\xba\xbe", 2, 24 << 10);  // not a LUKS2 offset
  EXPECT_EQ(luks_version(disk), 0u);
}

TEST(ProbeLuks, ADeviceTooSmallForAHeaderIsNotLuks) {
  Bytes disk(100);
  std::memcpy(disk.data(), "LUKS\xba\xbe\0\x01", 8);
  EXPECT_EQ(luks_version(disk), 0u);
}

// Four sectors with "LABELONE" in `sector`, naming `named`, of type `type`.
Bytes label_in(std::uint64_t sector, std::uint64_t named, const char* type = "LVM2 001") {
  Bytes head(4 * 512);
  std::uint8_t* label = &head[sector * 512];
  std::memcpy(label, "LABELONE", 8);
  for (int i = 0; i < 8; ++i) label[8 + i] = static_cast<std::uint8_t>(named >> (8 * i));
  std::memcpy(label + 24, type, 8);
  return head;
}

TEST(ProbeLvmLabel, ALabelInAnyOfTheFirstFourSectors) {
  for (std::uint64_t sector = 0; sector < 4; ++sector) {
    const Bytes head = label_in(sector, sector);
    EXPECT_EQ(find_lvm_label(head), sector);
    EXPECT_EQ(probe_lvm_label(reader(head), head.size()), sector);
  }
}

TEST(ProbeLvmLabel, ALabelNamingAnotherSectorIsNoPv) {
  EXPECT_EQ(find_lvm_label(label_in(1, 0)), std::nullopt);
  EXPECT_EQ(find_lvm_label(label_in(0, 1)), std::nullopt);
  EXPECT_EQ(find_lvm_label(label_in(3, 2)), std::nullopt);
}

TEST(ProbeLvmLabel, OtherTypesAndCutSectorsAreNoPv) {
  EXPECT_EQ(find_lvm_label(label_in(1, 1, "LVM1 001")), std::nullopt);
  EXPECT_EQ(find_lvm_label(Bytes(4 * 512)), std::nullopt);
  Bytes cut = label_in(1, 1);
  cut.resize(600);  // sector 1 cut short
  EXPECT_EQ(find_lvm_label(cut), std::nullopt);
  EXPECT_EQ(probe_lvm_label(reader(cut), cut.size()), std::nullopt);
  Bytes late(5 * 512);
  std::memcpy(&late[4 * 512], label_in(0, 4).data(), 512);  // sector 4: LVM does not look there
  EXPECT_EQ(find_lvm_label(late), std::nullopt);
}

TEST(BaseSizeText, OneWayToWriteASize) {
  EXPECT_EQ(size_text(0), "0 MiB");
  EXPECT_EQ(size_text(16 << 20), "16 MiB");
  EXPECT_EQ(size_text(3 << 19), "1.5 MiB");
  EXPECT_EQ(size_text(16 << 10), "16 KiB");
  EXPECT_EQ(size_text(290), "290 bytes");
  EXPECT_EQ(size_text((1 << 20) - 512), "1048064 bytes");
}

TEST(BaseRound, UpAndDownToAUnit) {
  EXPECT_EQ(round_up(0, 4096), 0u);
  EXPECT_EQ(round_up(1, 4096), 4096u);
  EXPECT_EQ(round_up(4096, 4096), 4096u);
  EXPECT_EQ(round_down(8191, 4096), 4096u);
  EXPECT_EQ(round_down(4095, 4096), 0u);
}

}  // namespace
}  // namespace pv2luks
