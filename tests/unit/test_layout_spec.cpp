// Layout specs: every field read, every bad input refused with a message that
// names the problem (harness/image/layout_spec.h).
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "image/layout_spec.h"

namespace harness {
namespace {

const char kGood[] = R"({
  "disk_size": "128M",
  "partition_table": "gpt",
  "partitions": [
    {"size": "8M", "type": "linux", "content": "random", "seed": 10},
    {"size": "rest", "type": "lvm", "pv": true}
  ],
  "pv": {"vg": "testgpt", "size": "100M", "extent_size": "4M"},
  "lvs": [
    {"name": "root", "size": "32M", "content": "ext4", "seed": 1},
    {"name": "data", "size": "24M", "segments": 2, "content": "random", "seed": 2},
    {"name": "empty", "size": 8388608}
  ]
})";

// A copy of kGood with the first occurrence of `from` replaced by `to`.
std::string good_with(const std::string& from, const std::string& to) {
  std::string text = kGood;
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

// The message load_layout throws for `text`, with its exit code checked.
std::string rejection(const std::string& text) {
  try {
    load_layout(text, "spec.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text;
  return "";
}

#define EXPECT_REJECTED(text, needle)                                        \
  do {                                                                       \
    const std::string message = rejection(text);                             \
    EXPECT_NE(message.find(needle), std::string::npos) << message;           \
    EXPECT_EQ(message.rfind("spec.json: bad layout spec:", 0), 0u) << message; \
  } while (0)

TEST(LayoutSpec, ReadsEveryField) {
  const LayoutSpec spec = load_layout(kGood, "spec.json");
  EXPECT_EQ(spec.disk_size_bytes, 128u << 20);
  EXPECT_EQ(spec.table, PartitionTable::gpt);
  ASSERT_EQ(spec.partitions.size(), 2u);
  EXPECT_EQ(spec.partitions[0].size_bytes, 8u << 20);
  EXPECT_EQ(spec.partitions[0].content.kind, ContentKind::random);
  EXPECT_EQ(spec.partitions[0].content.seed, 10u);
  EXPECT_FALSE(spec.partitions[0].pv);
  EXPECT_FALSE(spec.partitions[1].size_bytes.has_value());
  EXPECT_TRUE(spec.partitions[1].pv);
  EXPECT_EQ(spec.partitions[1].type, PartitionType::lvm);
  EXPECT_EQ(spec.pv.vg, "testgpt");
  EXPECT_EQ(spec.pv.size_bytes, 100u << 20);
  EXPECT_EQ(spec.pv.extent_size_bytes, 4u << 20);
  ASSERT_EQ(spec.lvs.size(), 3u);
  EXPECT_EQ(spec.lvs[0].content.kind, ContentKind::ext4);
  EXPECT_EQ(spec.lvs[1].segments, 2u);
  EXPECT_EQ(spec.lvs[2].size_bytes, 8u << 20);
  EXPECT_EQ(spec.lvs[2].content.kind, ContentKind::zero);
  EXPECT_EQ(spec.lvs[2].segments, 1u);
}

TEST(LayoutSpec, Defaults) {
  const LayoutSpec spec = load_layout(R"({"disk_size": "64M", "partition_table": "none",
      "pv": {"vg": "v"}, "lvs": [{"name": "a", "size": "4M"}]})", "spec.json");
  EXPECT_EQ(spec.pv.extent_size_bytes, 4u << 20);
  EXPECT_FALSE(spec.pv.size_bytes.has_value());
  EXPECT_TRUE(spec.partitions.empty());
  EXPECT_EQ(spec.lvs[0].content.seed, 0u);
}

TEST(LayoutSpec, PvPartitionDefaultsToLvmType) {
  const LayoutSpec spec = load_layout(good_with(R"("type": "lvm", )", ""), "spec.json");
  EXPECT_EQ(spec.partitions[1].type, PartitionType::lvm);
  EXPECT_EQ(spec.partitions[0].type, PartitionType::linux);
}

TEST(LayoutSpec, RejectsInvalidJson) {
  EXPECT_REJECTED(good_with("\"lvs\": [", "\"lvs\" ["), "not valid JSON: line 9");
  EXPECT_REJECTED("", "not valid JSON");
}

TEST(LayoutSpec, RejectsUnknownFields) {
  EXPECT_REJECTED(good_with("\"disk_size\"", "\"disk\": 1, \"disk_size\""),
                  "unknown field 'disk' in the spec; known fields: disk_size");
  EXPECT_REJECTED(good_with("\"seed\": 10", "\"seed\": 10, \"label\": \"boot\""),
                  "partitions[0]: unknown field 'label'");
  EXPECT_REJECTED(good_with("\"vg\"", "\"vgname\": \"x\", \"vg\""), "pv: unknown field 'vgname'");
  EXPECT_REJECTED(good_with("\"seed\": 2", "\"seed\": 2, \"stripes\": 2"),
                  "lvs[1]: unknown field 'stripes'");
}

TEST(LayoutSpec, RejectsDuplicateFields) {
  EXPECT_REJECTED(good_with("\"disk_size\": \"128M\"", "\"disk_size\": \"128M\", \"disk_size\": \"1G\""),
                  "field 'disk_size' is given twice");
}

TEST(LayoutSpec, RejectsMissingFields) {
  EXPECT_REJECTED(good_with("\"disk_size\": \"128M\",", ""), "missing field 'disk_size'");
  EXPECT_REJECTED(good_with("\"partition_table\": \"gpt\",", ""), "missing field 'partition_table'");
  EXPECT_REJECTED(good_with("\"vg\": \"testgpt\", ", ""), "pv: missing field 'vg'");
  EXPECT_REJECTED(good_with("\"name\": \"root\", ", ""), "lvs[0]: missing field 'name'");
  EXPECT_REJECTED(good_with("{\"size\": \"8M\", \"type\": \"linux\"", "{\"type\": \"linux\""),
                  "partitions[0]: missing field 'size'");
  EXPECT_REJECTED(R"({"disk_size": "64M", "partition_table": "none"})", "missing field 'pv'");
}

TEST(LayoutSpec, RejectsSizesThatDoNotParse) {
  EXPECT_REJECTED(good_with("\"128M\"", "\"128 MB\""),
                  "disk_size: '128 MB' is not a size; write a whole number");
  EXPECT_REJECTED(good_with("\"32M\"", "\"-32M\""), "lvs[0].size: '-32M' is not a size");
  EXPECT_REJECTED(good_with("\"100M\"", "\"lots\""), "pv.size: 'lots' is not a size");
  EXPECT_REJECTED(good_with("\"4M\"", "\"4.5M\""), "pv.extent_size: '4.5M' is not a size");
  EXPECT_REJECTED(good_with("\"8M\"", "\"0\""), "partitions[0].size: must be more than zero");
  EXPECT_REJECTED(good_with("\"8M\"", "{\"mib\": 8}"), "must be a single value");
}

TEST(LayoutSpec, RejectsBadChoicesAndNumbers) {
  EXPECT_REJECTED(good_with("\"gpt\"", "\"mbr\""), "partition_table 'mbr' is not one of: gpt, msdos, none");
  EXPECT_REJECTED(good_with("\"linux\"", "\"ntfs\""), "type 'ntfs' is not one of");
  EXPECT_REJECTED(good_with("\"ext4\"", "\"xfs\""), "lvs[0]: content 'xfs' is not one of");
  EXPECT_REJECTED(good_with("\"seed\": 1}", "\"seed\": -1}"), "lvs[0].seed: '-1' is not a whole number");
  EXPECT_REJECTED(good_with("\"segments\": 2", "\"segments\": 1.5"), "'1.5' is not a whole number");
  EXPECT_REJECTED(good_with("\"pv\": true", "\"pv\": \"yes\""), "'yes' must be true or false");
}

TEST(LayoutSpec, RejectsWrongShapes) {
  EXPECT_REJECTED(good_with("\"pv\": {", "\"pv\": 5, \"x\": {"), "unknown field 'x'");
  EXPECT_REJECTED(R"({"disk_size": "64M", "partition_table": "none", "pv": 5})",
                  "pv: must be a JSON object");
  EXPECT_REJECTED(R"({"disk_size": "64M", "partition_table": "none", "pv": {"vg": "v"},
      "lvs": {"name": "a"}})", "lvs: must be a JSON array");
  EXPECT_REJECTED("[1, 2]", "must be a JSON object {...}, not an array");
}

TEST(LayoutSpec, RejectsBadPartitionLists) {
  EXPECT_REJECTED(good_with(", \"pv\": true", ""), "exactly one partition needs \"pv\": true (found 0)");
  EXPECT_REJECTED(good_with("\"content\": \"random\", \"seed\": 10", "\"pv\": true"), "(found 2)");
  EXPECT_REJECTED(good_with("\"size\": \"8M\"", "\"size\": \"rest\""),
                  "partitions[0]: only the last partition can have size \"rest\"");
  EXPECT_REJECTED(good_with("\"gpt\"", "\"none\""), "partitions: must be empty");
  EXPECT_REJECTED(good_with("\"8M\"", "\"1000\""), "partitions[0]: size must be a multiple of 512");
  EXPECT_REJECTED(good_with("\"type\": \"lvm\", \"pv\": true", "\"pv\": true, \"seed\": 3"),
                  "the PV partition cannot have content or seed");
}

TEST(LayoutSpec, RejectsMoreThanFourMsdosPartitions) {
  std::string text = good_with("\"gpt\"", "\"msdos\"");
  for (int i = 0; i < 4; ++i) text.insert(text.find("{\"size\": \"8M\""), R"({"size": "1M"},)");
  EXPECT_REJECTED(text, "at most 4 partitions fit this table");
}

TEST(LayoutSpec, LogicalMsdosPartitions) {
  // Older specs say nothing: every partition is primary.
  EXPECT_FALSE(load_layout(kGood, "spec.json").partitions[1].logical);
  const std::string msdos_logical =
      good_with("\"type\": \"lvm\", \"pv\": true", "\"type\": \"lvm\", \"pv\": true, \"logical\": true");
  EXPECT_REJECTED(msdos_logical, "\"logical\" partitions need partition_table \"msdos\"");
  std::string ok = msdos_logical;
  ok.replace(ok.find("\"gpt\""), 5, "\"msdos\"");
  EXPECT_TRUE(load_layout(ok, "spec.json").partitions[1].logical);
  std::string primary_after = ok;
  primary_after.replace(primary_after.find("{\"size\": \"8M\""), 0,
                        R"({"size": "1M", "logical": true},)");
  EXPECT_REJECTED(primary_after, "logical partitions must come after every primary one");
  std::string four = ok;
  for (int i = 0; i < 3; ++i) four.insert(four.find("{\"size\": \"8M\""), R"({"size": "1M"},)");
  EXPECT_REJECTED(four, "at most 3 primary partitions fit this table with an extended partition");
}

TEST(LayoutSpec, RejectsBadPvFields) {
  EXPECT_REJECTED(good_with("\"size\": \"100M\"", "\"size\": \"100M\", \"tail_room\": \"4M\""),
                  "give size or tail_room, not both");
  EXPECT_REJECTED(good_with("\"4M\"", "\"3M\""), "extent_size 3 MiB must be a power of two");
  EXPECT_REJECTED(good_with("\"4M\"", "\"2K\""), "must be a power of two of at least 4 KiB");
  EXPECT_REJECTED(good_with("\"100M\"", "\"1000\""), "size and tail_room must be multiples of 512");
  EXPECT_REJECTED(good_with("\"testgpt\"", "\"-bad\""), "vg '-bad' is not a valid VG name");
  EXPECT_REJECTED(good_with("\"testgpt\"", "\"a/b\""), "is not a valid VG name");
}

TEST(LayoutSpec, RejectsBadLvFields) {
  EXPECT_REJECTED(good_with("\"name\": \"data\"", "\"name\": \"root\""), "name 'root' is used twice");
  EXPECT_REJECTED(good_with("\"root\"", "\"my root\""), "name 'my root' is not a valid LV name");
  EXPECT_REJECTED(good_with("\"root\"", "\"pv2luks-spacer-0\""), "are kept for the build's spacers");
  EXPECT_REJECTED(good_with("\"24M\"", "\"22M\""),
                  "lvs[1]: size 22 MiB must be a multiple of pv.extent_size 4 MiB");
  EXPECT_REJECTED(good_with("\"segments\": 2", "\"segments\": 7"), "segments 7 must be between 1 and 16");
  EXPECT_REJECTED(good_with("\"segments\": 2", "\"segments\": 0"), "segments 0 must be between");
  EXPECT_REJECTED(good_with("\"segments\": 2", "\"segments\": 17"), "segments 17");
}

TEST(LayoutSpec, RejectsTinyExt4) {
  const std::string text = R"({"disk_size": "64M", "partition_table": "none",
      "pv": {"vg": "v", "extent_size": "512K"}, "lvs": [{"name": "a", "size": "512K", "content": "ext4"}]})";
  EXPECT_REJECTED(text, "ext4 content needs at least 1 MiB");
}

TEST(LayoutSpec, RejectsPartitionsBeyondTheDisk) {
  EXPECT_REJECTED(good_with("\"size\": \"8M\"", "\"size\": \"200M\""),
                  "partitions[1]: no room is left for \"rest\"; make disk_size larger");
  const std::string text = good_with("\"size\": \"rest\"", "\"size\": \"119M\"");
  EXPECT_REJECTED(text, "partitions[1]: ends at 128 MiB but the usable disk ends at");
}

TEST(LayoutSpec, RejectsPvLargerThanItsPartition) {
  EXPECT_REJECTED(good_with("\"100M\"", "\"120M\""),
                  "pv: size 120 MiB is larger than its partition (118 MiB); make it smaller");
  EXPECT_REJECTED(good_with("\"size\": \"100M\"", "\"tail_room\": \"118M\""),
                  "tail_room 118 MiB leaves no room for the PV");
  EXPECT_REJECTED(good_with("\"100M\"", "\"4M\""), "leaves no room for one extent");
}

TEST(LayoutSpec, RejectsLvsThatDoNotFit) {
  // 100 MiB PV: (100 - 1) / 4 = 24 extents; 8 + 6 + 2 + 1 spacer = 17 fit, 25 do not.
  EXPECT_REJECTED(good_with("\"32M\"", "\"64M\""),
                  "lvs: need 25 extents of 4 MiB (spacers of multi-segment LVs included) but "
                  "the VG has 24");
}

TEST(LayoutSpec, SpacersCountAgainstTheVg) {
  // 24 extents: root 8 + data 14 + empty 2 = 24 fit alone, but data's spacer makes 25.
  EXPECT_REJECTED(good_with("\"24M\"", "\"56M\""), "need 25 extents");
  std::string one_segment = good_with("\"segments\": 2,", "");
  one_segment.replace(one_segment.find("\"24M\""), 5, "\"56M\"");
  EXPECT_NO_THROW(load_layout(one_segment, "spec.json"));
}

TEST(LayoutSpec, ListsEveryProblem) {
  std::string text = good_with("\"128M\"", "\"x\"");
  text.replace(text.find("\"4M\""), 4, "\"y\"");
  const std::string message = rejection(text);
  EXPECT_NE(message.find("disk_size: 'x'"), std::string::npos) << message;
  EXPECT_NE(message.find("pv.extent_size: 'y'"), std::string::npos) << message;
}

}  // namespace
}  // namespace harness
