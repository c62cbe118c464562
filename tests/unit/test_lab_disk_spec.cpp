#include <gtest/gtest.h>

#include "common/error.h"
#include "common/size.h"
#include "lab/disk_spec.h"

namespace harness {
namespace {

TEST(ParseSize, AcceptsBinarySuffixes) {
  EXPECT_EQ(parse_size_bytes("4096"), 4096u);
  EXPECT_EQ(parse_size_bytes("512K"), 512u * 1024);
  EXPECT_EQ(parse_size_bytes("64M"), 64u * kMiB);
  EXPECT_EQ(parse_size_bytes("2G"), 2048u * kMiB);
  EXPECT_EQ(parse_size_bytes("1MiB"), kMiB);
}

TEST(ParseSize, RefusesGarbageAndOverflow) {
  EXPECT_FALSE(parse_size_bytes(""));
  EXPECT_FALSE(parse_size_bytes("M"));
  EXPECT_FALSE(parse_size_bytes("12Q"));
  EXPECT_FALSE(parse_size_bytes("-1"));
  EXPECT_FALSE(parse_size_bytes("1.5G"));
  EXPECT_FALSE(parse_size_bytes("99999999999999999999"));
  EXPECT_FALSE(parse_size_bytes("17179869184T"));
}

TEST(FormatSize, ReadsLikeAPerson) {
  EXPECT_EQ(format_size(512), "512 B");
  EXPECT_EQ(format_size(64 * kMiB), "64 MiB");
  EXPECT_EQ(format_size(3 * kMiB / 2), "1.5 MiB");
}

TEST(DiskSpec, NameSizeAndPath) {
  const DiskSpec disk = parse_disk_spec("pv0:128M:/tmp/x.img");
  EXPECT_EQ(disk.name, "pv0");
  EXPECT_EQ(disk.size_bytes, 128 * kMiB);
  EXPECT_EQ(disk.path, "/tmp/x.img");
}

TEST(DiskSpec, PathMayHoldColons) {
  EXPECT_EQ(parse_disk_spec("a:1M:/tmp/a:b.img").path, "/tmp/a:b.img");
}

TEST(DiskSpec, AutoNeedsAPath) {
  EXPECT_EQ(parse_disk_spec("a:auto:/x.img").size_bytes, 0u);
  EXPECT_THROW(parse_disk_spec("a:auto"), Error);
}

TEST(DiskSpec, SectorIs512UnlessGiven) {
  EXPECT_EQ(parse_disk_spec("a:64M:/x.img").sector_bytes, 512u);
  EXPECT_EQ(parse_disk_spec("a:64M/512").sector_bytes, 512u);
  const DiskSpec disk = parse_disk_spec("a:64M/4096:/x.img");
  EXPECT_EQ(disk.sector_bytes, 4096u);
  EXPECT_EQ(disk.size_bytes, 64 * kMiB);
  EXPECT_EQ(disk.path, "/x.img");
  EXPECT_EQ(parse_disk_spec("a:auto/4096:/x.img").sector_bytes, 4096u);
}

TEST(DiskSpec, SizeMustBeWholeSectors) {
  EXPECT_EQ(disk_size_problem(64 * kMiB, 4096), "");
  EXPECT_EQ(disk_size_problem(kMiB + 512, 512), "");
  EXPECT_NE(disk_size_problem(kMiB + 512, 4096).find("not a multiple of its 4096-byte sector"),
            std::string::npos);
}

int usage_code(const char* spec) {
  try {
    parse_disk_spec(spec);
  } catch (const Error& e) {
    return e.exit_code();
  }
  return 0;
}

TEST(DiskSpec, BadSpecsAreUsageErrors) {
  for (const char* spec : {"a", ":64M", "a b:64M", "a:64X", "a:100", "a:1000000",
                           "aaaaaaaaaaaaaaaaaaaaa:64M", "a:64M:", "a:64M/1024", "a:64M/",
                           "a:64M/4k", "a:1049088/4096", "a:/4096"}) {
    EXPECT_EQ(usage_code(spec), kExitUsage) << spec;
  }
}

}  // namespace
}  // namespace harness
