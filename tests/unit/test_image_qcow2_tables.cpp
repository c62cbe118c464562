// image/qcow2_snapshots, qcow2_compressed and qemu_img_check: snapshot names
// and compressed clusters in images qemu-img makes (skipped without
// qemu-img), damaged tables named as such, and random garbage in a real
// image's tables: every parser either answers or throws our Error (never
// crashes, hangs or reads out of bounds; run under ASan to see the last).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "base/error.h"
#include "base/process.h"
#include "error_of.h"
#include "image/image_format.h"
#include "image/qcow2_compressed.h"
#include "image/qcow2_snapshots.h"
#include "image/qemu_img_check.h"

namespace pv2luks {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kCluster = 64 * 1024;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void put_be64(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint64_t value) {
  for (int i = 7; i >= 0; --i, value >>= 8) bytes[offset + static_cast<std::size_t>(i)] = value & 0xff;
}

void put_be32(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 3; i >= 0; --i, value >>= 8) bytes[offset + static_cast<std::size_t>(i)] = value & 0xff;
}

ReadAt memory_read_at(const std::vector<std::uint8_t>& file) {
  return [&file](std::uint64_t offset, std::span<std::uint8_t> out) {
    if (offset > file.size() || file.size() - offset < out.size()) {
      throw Error("memory: read past the end");
    }
    std::memcpy(out.data(), file.data() + offset, out.size());
  };
}

// A file in memory with the header as the library reads it (header checks
// may throw too: they are part of what garbage meets).
struct Image {
  std::vector<std::uint8_t> bytes;
  Qcow2Header header() const {
    return read_qcow2_header(memory_read_at(bytes), bytes.size(), "img.qcow2");
  }
  std::vector<Qcow2Snapshot> snapshots() const {
    return read_qcow2_snapshots(memory_read_at(bytes), header(), bytes.size(), "img.qcow2");
  }
  CompressedClusters compressed() const {
    return find_compressed_clusters(memory_read_at(bytes), header(), bytes.size(), "img.qcow2");
  }
};

class Qcow2Tables : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_program("qemu-img").empty() || find_program("qemu-io").empty()) {
      GTEST_SKIP() << "qemu-img or qemu-io not installed (qemu-utils)";
    }
    char pattern[] = "/tmp/pv2luks-unit-qcow2t-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  static void run(std::vector<std::string> argv) { run_checked(argv); }

  // An 8 MiB qcow2 (options `create_options`) with 2 MiB of varied data.
  std::string with_data(const std::string& name, const std::string& create_options = "") const {
    std::vector<std::string> create = {"qemu-img", "create", "-q", "-f", "qcow2"};
    if (!create_options.empty()) create.insert(create.end(), {"-o", create_options});
    create.insert(create.end(), {path(name), "8M"});
    run(create);
    run({"qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 1M", "-c", "write -P 0xa5 3M 1M",
         path(name)});
    return path(name);
  }
  static Image load(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {})};
  }

  std::string dir_;
};

TEST_F(Qcow2Tables, SnapshotNamesInTableOrder) {
  const std::string file = with_data("snap.qcow2");
  EXPECT_TRUE(load(file).snapshots().empty());
  run({"qemu-img", "snapshot", "-c", "before", file});
  run({"qemu-img", "snapshot", "-c", "it's late, really", file});
  const std::vector<Qcow2Snapshot> snapshots = load(file).snapshots();
  ASSERT_EQ(snapshots.size(), 2u);
  EXPECT_EQ(snapshots[0].name, "before");
  EXPECT_EQ(snapshots[0].id, "1");
  EXPECT_EQ(snapshots[1].name, "it's late, really");
  EXPECT_EQ(load(file).header().nb_snapshots, 2u);
}

TEST_F(Qcow2Tables, CompressedClustersFoundOnlyWhenCompressed) {
  const std::string plain = with_data("plain.qcow2");
  EXPECT_EQ(load(plain).compressed().count, 0u);
  run({"qemu-img", "convert", "-c", "-O", "qcow2", plain, path("packed.qcow2")});
  const CompressedClusters found = load(path("packed.qcow2")).compressed();
  EXPECT_EQ(found.count, 32u);  // two runs of 1 MiB in 64 KiB clusters
  EXPECT_EQ(found.first_guest_offset_bytes, 0u);
}

TEST_F(Qcow2Tables, CompressedClustersWithExtendedL2Entries) {
  const std::string plain = with_data("plain.qcow2");
  run({"qemu-img", "convert", "-c", "-O", "qcow2", "-o", "extended_l2=on", plain,
       path("packed-ext.qcow2")});
  const Image image = load(path("packed-ext.qcow2"));
  EXPECT_TRUE(image.header().incompatible_features & kQcow2ExtendedL2Bit);
  EXPECT_EQ(image.compressed().count, 32u);
  EXPECT_EQ(load(with_data("ext.qcow2", "extended_l2=on")).compressed().count, 0u);
}

TEST_F(Qcow2Tables, DamagedTablesAreNamed) {
  const Image good = load(with_data("plain.qcow2"));
  const Qcow2Header header = good.header();
  Image image = good;
  put_be64(image.bytes, header.l1_table_offset, 1ULL << 40);  // far past the end
  EXPECT_TRUE(contains(error_of([&] { image.compressed(); }), "past the end of the file"));
  image = good;
  put_be64(image.bytes, header.l1_table_offset, kCluster + 512);
  EXPECT_TRUE(contains(error_of([&] { image.compressed(); }), "not on a cluster boundary"));
  image = good;
  put_be64(image.bytes, header.l1_table_offset, (1ULL << 60) | kCluster);
  EXPECT_TRUE(contains(error_of([&] { image.compressed(); }), "reserved bits"));
  image = good;
  put_be32(image.bytes, 36, 0);  // an L1 table of no entries for an 8 MiB disk
  EXPECT_TRUE(contains(error_of([&] { image.compressed(); }), "that needs 1"));

  image = good;
  put_be32(image.bytes, 60, 70000);  // nb_snapshots
  EXPECT_TRUE(contains(error_of([&] { image.snapshots(); }), "more than QEMU allows"));
  image = good;
  put_be32(image.bytes, 60, 1);
  put_be64(image.bytes, 64, image.bytes.size() - 16);  // the entry's fixed part runs past
  EXPECT_TRUE(contains(error_of([&] { image.snapshots(); }), "snapshot table is damaged"));
}

// Random bytes over the header's fields and the first clusters (refcount,
// L1, L2 and snapshot tables): each parser answers or throws Error.
TEST_F(Qcow2Tables, GarbageNeverEscapesAsAnythingButError) {
  const std::string file = with_data("fuzz.qcow2");
  run({"qemu-img", "snapshot", "-c", "s1", file});
  run({"qemu-img", "convert", "-c", "-O", "qcow2", file, path("fuzz-packed.qcow2")});
  for (const std::string& name : {file, path("fuzz-packed.qcow2")}) {
    const Image good = load(name);
    std::mt19937_64 rng(20261203);
    const std::size_t span = std::min<std::size_t>(good.bytes.size(), 8 * kCluster);
    for (int round = 0; round < 3000; ++round) {
      Image image = good;
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int i = 0; i < flips; ++i) {
        const std::size_t at = round % 3 == 0 ? 32 + rng() % 40 : rng() % span;
        image.bytes[at] = static_cast<std::uint8_t>(rng());
      }
      if (round % 7 == 0) image.bytes.resize(rng() % good.bytes.size());
      try {
        image.snapshots();
      } catch (const Error&) {
      }
      try {
        image.compressed();
      } catch (const Error&) {
      }
    }
  }
}

TEST(QemuImgCheckReport, CleanLeaksCorruptionsAndIncomplete) {
  const QemuImgCheck clean = parse_qemu_img_check(
      0, R"({"image-end-offset": 4784128, "total-clusters": 1024, "check-errors": 0,
             "allocated-clusters": 64, "filename": "a.qcow2", "format": "qcow2"})", "");
  EXPECT_TRUE(clean.complete);
  EXPECT_EQ(clean.corruptions + clean.leaks + clean.check_errors, 0u);

  const QemuImgCheck leaks = parse_qemu_img_check(
      3, R"({"leaks": 2, "check-errors": 0, "format": "qcow2"})",
      "Leaked cluster 90 refcount=1 reference=0\nLeaked cluster 91 refcount=1 reference=0\n");
  EXPECT_TRUE(leaks.complete);
  EXPECT_EQ(leaks.leaks, 2u);
  EXPECT_EQ(leaks.first_error, "");

  const QemuImgCheck cut = parse_qemu_img_check(
      2, R"({"corruptions": 197, "check-errors": 0})",
      "\nERROR: counting reference for region exceeding the end of the file by one cluster or "
      "more: offset 0x1400000 size 0x10000\nERROR: counting reference ...\n");
  EXPECT_TRUE(cut.complete);
  EXPECT_EQ(cut.corruptions, 197u);
  EXPECT_TRUE(cut.past_end_of_file);
  EXPECT_EQ(cut.first_error,
            "ERROR: counting reference for region exceeding the end of the file by one cluster "
            "or more: offset 0x1400000 size 0x10000");

  const QemuImgCheck failed =
      parse_qemu_img_check(1, "", "qemu-img: Could not open 'x': Image is not in qcow2 format\n");
  EXPECT_FALSE(failed.complete);
  EXPECT_EQ(failed.messages, "qemu-img: Could not open 'x': Image is not in qcow2 format");

  EXPECT_FALSE(parse_qemu_img_check(0, "{not json", "").complete);
  EXPECT_FALSE(parse_qemu_img_check(2, R"({"corruptions": "many"})", "").complete);
}

}  // namespace
}  // namespace pv2luks
