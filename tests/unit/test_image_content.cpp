// Seeded content, ext4 staging plans and manifest lines (harness/image).
#include <gtest/gtest.h>

#include "image/ext4_content.h"
#include "image/manifest.h"
#include "image/seeded_bytes.h"

namespace harness {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

TEST(SeededBytes, SameSeedSameStreamWhateverTheChunks) {
  std::vector<unsigned char> whole(1000), pieces(1000);
  SeededBytes(7).fill(whole.data(), whole.size());
  SeededBytes bytes(7);
  std::size_t at = 0;
  for (const std::size_t size : {1, 3, 8, 13, 500, 475}) {
    bytes.fill(pieces.data() + at, size);
    at += size;
  }
  EXPECT_EQ(whole, pieces);
}

TEST(SeededBytes, DifferentSeedsDiffer) {
  EXPECT_NE(SeededBytes(1).next_u64(), SeededBytes(2).next_u64());
}

TEST(SeededBytes, KnownFirstWord) {
  // splitmix64 from state 0: the reference sequence starts with this value.
  EXPECT_EQ(SeededBytes(0).next_u64(), 0xe220a8397b1dcdafULL);
}

TEST(Ext4Content, PlanFillsAboutAQuarterDeterministically) {
  const auto files = plan_staged_files(64 * kMiB, 1);
  std::uint64_t total = 0;
  for (const StagedFile& file : files) total += file.size_bytes;
  EXPECT_EQ(total, 16 * kMiB);
  EXPECT_EQ(files[0].relative_path, "dir0/file0000.bin");
  EXPECT_EQ(files[5].relative_path, "dir1/file0005.bin");
  const auto again = plan_staged_files(64 * kMiB, 1);
  ASSERT_EQ(again.size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) EXPECT_EQ(again[i].size_bytes, files[i].size_bytes);
  EXPECT_NE(plan_staged_files(64 * kMiB, 2)[0].size_bytes, files[0].size_bytes);
}

TEST(Ext4Content, PlanCapsTheFileCount) {
  EXPECT_LE(plan_staged_files(std::uint64_t{1} << 40, 3).size(), 200u);
  EXPECT_FALSE(plan_staged_files(kMiB, 3).empty());
}

TEST(Ext4Content, SeededUuidIsAVersion4Uuid) {
  const std::string uuid = seeded_uuid(5, 1);
  ASSERT_EQ(uuid.size(), 36u);
  EXPECT_EQ(uuid[14], '4');
  EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos);
  EXPECT_EQ(uuid, seeded_uuid(5, 1));
  EXPECT_NE(uuid, seeded_uuid(5, 2));
}

TEST(Manifest, LvLine) {
  EXPECT_EQ(lv_line("demo", "root", "ab12", 4096), "lv demo/root ab12 4096");
}

TEST(Manifest, FormatsEveryRecordWithLvsSorted) {
  Manifest manifest;
  manifest.image_sha256 = "i";
  manifest.image_size_bytes = 128 * kMiB;
  manifest.parts = {{{1, kMiB, 8 * kMiB}, "p"}};
  manifest.pv.area = {2, 9 * kMiB, 118 * kMiB};
  manifest.pv.pv_size_bytes = 100 * kMiB;
  manifest.pv.extent_size_bytes = 4 * kMiB;
  manifest.pv.pe_count = 24;
  manifest.vg = "v";
  manifest.lvs = {{"v", "root", "r", 32 * kMiB, {{10 * kMiB, 32 * kMiB}}},
                  {"v", "data", "d", 8 * kMiB, {{42 * kMiB, 4 * kMiB}, {50 * kMiB, 4 * kMiB}}}};
  EXPECT_EQ(format_manifest(manifest),
            "image i 134217728\n"
            "part 1 p 1048576 8388608\n"
            "pv 2 9437184 123731968 1048576 104857600 18874368\n"
            "vg v 4194304 24\n"
            "lv v/data d 8388608\n"
            "lv v/root r 33554432\n"
            "seg v/data 44040192 4194304\n"
            "seg v/data 52428800 4194304\n"
            "seg v/root 10485760 33554432\n");
}

}  // namespace
}  // namespace harness
