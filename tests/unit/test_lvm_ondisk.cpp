#include <gtest/gtest.h>

#include <string_view>

#include "error_of.h"
#include "base/crc32.h"
#include "base/error.h"
#include "lvm/ondisk_label.h"
#include "lvm/pv_metadata.h"
#include "lvm_fixture.h"

namespace pv2luks {
namespace {

using namespace lvm_fixture;

using Image = std::vector<std::uint8_t>;

// Offsets in the captured PV (data/lvm/README): the label is in sector 1.
constexpr std::uint64_t kLabelBytes = 512;
constexpr std::uint64_t kPvHeaderBytes = kLabelBytes + 32;
constexpr std::uint64_t kSlot0Bytes = kMdaStartBytes + 40;

std::uint64_t get_le(const Image& image, std::uint64_t at, int width) {
  std::uint64_t value = 0;
  for (int i = 0; i < width; ++i) value |= std::uint64_t{image[at + i]} << (8 * i);
  return value;
}

void set_le(Image& image, std::uint64_t at, std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i) image[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

std::uint32_t crc_of(const Image& image, std::uint64_t from, std::uint64_t to) {
  return lvm_crc32(kLvmCrcInitial, std::span(image).subspan(from, to - from));
}

// After an edit, as LVM would have written it.
void reseal_label(Image& image) {
  set_le(image, kLabelBytes + 16, crc_of(image, kLabelBytes + 20, kLabelBytes + 512), 4);
}
void reseal_mda_header(Image& image, std::uint64_t mda_start = kMdaStartBytes) {
  set_le(image, mda_start, crc_of(image, mda_start + 4, mda_start + 512), 4);
}

std::string text_without_nul() {
  std::string text = read_data("pv0-metadata.txt");
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

TEST(LvmCrc, IsZlibCrc32WithAnotherStartAndNoFinalInversion) {
  const std::string_view check = "123456789";
  const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(check.data()), check.size());
  EXPECT_EQ(lvm_crc32(0xffffffff, bytes) ^ 0xffffffff, 0xcbf43926u);  // CRC-32's check value
  EXPECT_EQ(lvm_crc32(kLvmCrcInitial, {}), kLvmCrcInitial);
  EXPECT_EQ(lvm_crc32(lvm_crc32(kLvmCrcInitial, bytes.first(4)), bytes.subspan(4)),
            lvm_crc32(kLvmCrcInitial, bytes));
}

TEST(LvmCrc, MatchesTheChecksumsLvmWrote) {
  const Image image = pv_image();
  EXPECT_EQ(get_le(image, kLabelBytes + 16, 4), crc_of(image, kLabelBytes + 20, kLabelBytes + 512));
  EXPECT_EQ(get_le(image, kMdaStartBytes, 4),
            crc_of(image, kMdaStartBytes + 4, kMdaStartBytes + 512));
  const std::uint64_t text_at = kMdaStartBytes + kTextOffsetBytes;
  const std::uint64_t text_size = get_le(image, kSlot0Bytes + 8, 8);
  EXPECT_EQ(text_size, read_data("pv0-metadata.txt").size());
  EXPECT_EQ(get_le(image, kSlot0Bytes + 16, 4), crc_of(image, text_at, text_at + text_size));
}

TEST(LvmOndisk, ReadsTheLabel) {
  const Image image = pv_image();
  const PvLabel label = read_pv_label(memory_reader(image), kPvBytes);
  EXPECT_EQ(label.label_sector, 1u);
  EXPECT_EQ(label.pv_uuid, "Pr8jFR-WJPh-B4WZ-26Tx-hoFP-5Ydn-53mBDm");  // pv0's id in fixvg.vg
  EXPECT_EQ(label.device_size_bytes, kPvBytes);
  EXPECT_EQ(label.data_areas, (std::vector<DiskArea>{{kPeStartBytes, 0}}));
  EXPECT_EQ(label.metadata_areas, (std::vector<DiskArea>{{kMdaStartBytes, kMdaSizeBytes}}));
}

TEST(LvmOndisk, ReadsTheCommittedText) {
  const Image image = pv_image();
  const auto text =
      read_metadata_area(memory_reader(image), kPvBytes, {kMdaStartBytes, kMdaSizeBytes});
  ASSERT_TRUE(text);
  EXPECT_EQ(text->text, text_without_nul());
}

TEST(LvmOndisk, NoLabelIsNotAPv) {
  Image image = pv_image();
  std::fill(image.begin(), image.begin() + 2048, 0);
  EXPECT_EQ(error_of([&] { read_pv_label(memory_reader(image), kPvBytes); }),
            "no LVM label in the first 4 sectors: not a PV");
}

TEST(LvmOndisk, ACorruptLabelIsNamed) {
  Image image = pv_image();
  image[kPvHeaderBytes + 3] ^= 0x20;  // one character of the PV UUID
  const std::string error = error_of([&] { read_pv_label(memory_reader(image), kPvBytes); });
  EXPECT_NE(error.find("no valid LVM label in the first 4 sectors; sector 1: label checksum "
                       "mismatch (stored 0x"),
            std::string::npos)
      << error;
}

TEST(LvmOndisk, ALabelOfAnotherTypeIsNamed) {
  Image image = pv_image();
  image[kLabelBytes + 24 + 7] = '2';  // "LVM2 002"
  reseal_label(image);
  EXPECT_EQ(error_of([&] { read_pv_label(memory_reader(image), kPvBytes); }),
            "LVM label at sector 1: type 'LVM2 002' is not 'LVM2 001'");
}

TEST(LvmOndisk, AMetadataAreaBeyondThePvIsNamed) {
  const Image image = pv_image();
  EXPECT_EQ(error_of([&] { read_pv_label(memory_reader(image), 512 << 10); }),
            "LVM data area at byte 1048576 (0 bytes) lies beyond the PV's 524288 bytes");
}

TEST(LvmOndisk, ACorruptMetadataAreaHeaderIsAnError) {
  Image image = pv_image();
  image[kSlot0Bytes + 8] ^= 0x01;  // the text's size
  const std::string error = error_of([&] { read_pv(memory_reader(image), kPvBytes); });
  EXPECT_NE(error.find("LVM metadata area at byte 4096: metadata area header checksum mismatch"),
            std::string::npos)
      << error;
}

TEST(LvmOndisk, AResealedHeaderWithTheWrongMagicIsAnError) {
  Image image = pv_image();
  image[kMdaStartBytes + 5] = 'X';
  reseal_mda_header(image);
  EXPECT_EQ(error_of([&] { read_pv(memory_reader(image), kPvBytes); }),
            "LVM metadata area at byte 4096: metadata area header has the wrong magic");
}

TEST(LvmOndisk, ACorruptTextIsAnError) {
  Image image = pv_image();
  image[kMdaStartBytes + kTextOffsetBytes + 100] ^= 0x01;
  const std::string error = error_of([&] { read_pv(memory_reader(image), kPvBytes); });
  EXPECT_NE(error.find("LVM metadata area at byte 4096: metadata text checksum mismatch"),
            std::string::npos)
      << error;
}

TEST(LvmOndisk, ReadsTextThatWrapsToTheAreaStart) {
  Image image = pv_image();
  const std::string text = read_data("pv0-metadata.txt");
  const std::uint64_t first = 1000;  // bytes before the area's end; the rest after its header
  const std::uint64_t offset = kMdaSizeBytes - first;
  std::fill(image.begin() + kMdaStartBytes + kTextOffsetBytes,
            image.begin() + kMdaStartBytes + kTextOffsetBytes + text.size(), 0);
  put(image, kMdaStartBytes + offset, text.substr(0, first));
  put(image, kMdaStartBytes + 512, text.substr(first));
  set_le(image, kSlot0Bytes, offset, 8);  // LVM's own checksum of the text stays
  reseal_mda_header(image);
  const auto read =
      read_metadata_area(memory_reader(image), kPvBytes, {kMdaStartBytes, kMdaSizeBytes});
  ASSERT_TRUE(read);
  EXPECT_EQ(read->text, text_without_nul());
}

TEST(LvmOndisk, AnEmptyOrIgnoredAreaHoldsNoMetadata) {
  Image image = pv_image();
  set_le(image, kSlot0Bytes + 20, 1, 4);  // RAW_LOCN_IGNORED
  reseal_mda_header(image);
  EXPECT_FALSE(read_metadata_area(memory_reader(image), kPvBytes, {kMdaStartBytes, kMdaSizeBytes}));
  std::fill(image.begin() + kSlot0Bytes, image.begin() + kSlot0Bytes + 24, 0);
  reseal_mda_header(image);
  EXPECT_FALSE(read_metadata_area(memory_reader(image), kPvBytes, {kMdaStartBytes, kMdaSizeBytes}));
  EXPECT_EQ(error_of([&] { read_pv(memory_reader(image), kPvBytes); }),
            "PV Pr8jFR-WJPh-B4WZ-26Tx-hoFP-5Ydn-53mBDm is in no volume group: its metadata "
            "areas hold no metadata (or are ignored)");
}

// A second metadata area past the 64 MiB, as pvcreate --pvmetadatacopies 2
// puts one at the end, holding a newer seqno: it wins.
TEST(LvmOndisk, TheNewestOfTwoMetadataAreasWins) {
  Image image = pv_image();
  const std::uint64_t mda2 = kPvBytes + (1 << 20);
  image.resize(mda2 + kMdaSizeBytes);
  const std::uint64_t list2 = kPvHeaderBytes + 40 + 2 * 16 + 16;  // after the first mda entry
  std::copy_backward(image.begin() + list2, image.begin() + list2 + 40, image.begin() + list2 + 56);
  set_le(image, list2, mda2, 8);
  set_le(image, list2 + 8, kMdaSizeBytes, 8);
  reseal_label(image);

  std::string text = read_data("pv0-metadata.txt");
  text.replace(text.find("seqno = 10"), 10, "seqno = 11");
  text.replace(text.find("pe_count = 63"), 13, "pe_count = 62");
  std::copy(image.begin() + kMdaStartBytes, image.begin() + kMdaStartBytes + 512,
            image.begin() + mda2);
  set_le(image, mda2 + 24, mda2, 8);  // the header's own start
  put(image, mda2 + 512, text);
  set_le(image, mda2 + 40, 512, 8);
  set_le(image, mda2 + 40 + 16,
         lvm_crc32(kLvmCrcInitial,
                   std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())),
         4);
  reseal_mda_header(image, mda2);

  const PvLabel label = read_pv_label(memory_reader(image), image.size());
  ASSERT_EQ(label.metadata_areas.size(), 2u);
  const PvOnDisk pv = read_pv(memory_reader(image), image.size());
  EXPECT_EQ(pv.vg.seqno, 11u);
  EXPECT_EQ(pv.pe_count(), 62u);
}

}  // namespace
}  // namespace pv2luks
