#include <gtest/gtest.h>

#include "base/error.h"
#include "lvm/config_tree.h"
#include "lvm/metadata_text.h"
#include "lvm_fixture.h"

namespace pv2luks {
namespace {

using lvm_fixture::read_data;

std::string error_of(std::string_view text) {
  try {
    parse_vg_metadata(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const LvMeta& lv_named(const VgMeta& vg, const std::string& name) {
  for (const LvMeta& lv : vg.lvs) {
    if (lv.name == name) return lv;
  }
  throw std::runtime_error("no LV " + name);
}

// The fixture's VG, as `lvs -a` reported it (data/lvm/README).
void expect_fixture_vg(const VgMeta& vg) {
  EXPECT_EQ(vg.name, "fixvg");
  EXPECT_EQ(vg.id, "jexzcC-v4Sk-IrQ3-9Sss-SDLK-f4NM-T1kwFf");
  EXPECT_EQ(vg.seqno, 10u);
  EXPECT_EQ(vg.extent_size_sectors, 2048u);
  ASSERT_EQ(vg.pvs.size(), 2u);
  EXPECT_EQ(vg.pvs[0].name, "pv0");
  EXPECT_EQ(vg.pvs[0].id, "Pr8jFR-WJPh-B4WZ-26Tx-hoFP-5Ydn-53mBDm");
  EXPECT_EQ(vg.pvs[0].dev_size_sectors, 131072u);
  EXPECT_EQ(vg.pvs[0].pe_start_sectors, 2048u);
  EXPECT_EQ(vg.pvs[0].pe_count, 63u);
  EXPECT_EQ(vg.pvs[1].name, "pv1");
  ASSERT_EQ(vg.lvs.size(), 8u);

  const LvMeta& root = lv_named(vg, "root");
  EXPECT_TRUE(root.visible());
  ASSERT_EQ(root.segments.size(), 2u);
  EXPECT_EQ(root.segments[0].start_extent, 0u);
  EXPECT_EQ(root.segments[0].extent_count, 8u);
  EXPECT_EQ(root.segments[0].type, "striped");
  EXPECT_EQ(root.segments[0].stripe_count, 1u);
  EXPECT_EQ(root.segments[0].areas, (std::vector<SegmentArea>{{"pv0", 0}}));
  EXPECT_EQ(root.segments[1].start_extent, 8u);
  EXPECT_EQ(root.segments[1].extent_count, 4u);
  EXPECT_EQ(root.segments[1].areas, (std::vector<SegmentArea>{{"pv0", 12}}));

  const LvMeta& spread = lv_named(vg, "spread");
  ASSERT_EQ(spread.segments.size(), 2u);
  EXPECT_EQ(spread.segments[0].areas, (std::vector<SegmentArea>{{"pv1", 0}}));
  EXPECT_EQ(spread.segments[1].areas, (std::vector<SegmentArea>{{"pv0", 16}}));

  const LvMeta& striped = lv_named(vg, "striped");
  ASSERT_EQ(striped.segments.size(), 1u);
  EXPECT_EQ(striped.segments[0].stripe_count, 2u);
  EXPECT_EQ(striped.segments[0].stripe_size_sectors, 128u);
  EXPECT_EQ(striped.segments[0].areas, (std::vector<SegmentArea>{{"pv0", 18}, {"pv1", 4}}));

  const LvMeta& pool = lv_named(vg, "pool");
  ASSERT_EQ(pool.segments.size(), 1u);
  EXPECT_EQ(pool.segments[0].type, "thin-pool");
  EXPECT_TRUE(pool.segments[0].areas.empty());
  EXPECT_EQ(lv_named(vg, "thin1").segments[0].type, "thin");
  EXPECT_EQ(lv_named(vg, "thin1").segments[0].extent_count, 16u);

  const LvMeta& tdata = lv_named(vg, "pool_tdata");
  EXPECT_FALSE(tdata.visible());
  EXPECT_EQ(tdata.status, (std::vector<std::string>{"READ", "WRITE"}));
  EXPECT_EQ(tdata.segments[0].areas, (std::vector<SegmentArea>{{"pv0", 20}}));
}

TEST(LvmMetadataText, ReadsVgcfgbackupText) {
  expect_fixture_vg(parse_vg_metadata(read_data("fixvg.vg")));
}

TEST(LvmMetadataText, ReadsTheMetadataAreaText) {
  // As LVM wrote it into the metadata area: no indentation, the VG first,
  // a trailing NUL.
  const std::string text = read_data("pv0-metadata.txt");
  ASSERT_EQ(text.back(), '\0');
  expect_fixture_vg(parse_vg_metadata(text));
}

const char kSmall[] = R"(# a comment
top = "x"
vg1 {
  id = "abc"  # trailing comment
  seqno = 3
  extent_size = 8192
  physical_volumes { pv0 { id = "p" dev_size = 100 pe_start = 2048 pe_count = 9 } }
  logical_volumes {
    lv1 {
      status = ["READ", "VISIBLE"]
      segment2 { start_extent = 2 extent_count = 1 type = "striped" stripe_count = 1
                 stripes = ["pv0", 7] }
      segment1 { start_extent = 0 extent_count = 2 type = "striped" stripe_count = 1
                 stripes = ["pv0", 0] }
    }
  }
}
)";

TEST(LvmMetadataText, SortsSegmentsAndIgnoresUnknownKeys) {
  const VgMeta vg = parse_vg_metadata(kSmall);
  EXPECT_EQ(vg.name, "vg1");
  ASSERT_EQ(vg.lvs.size(), 1u);
  ASSERT_EQ(vg.lvs[0].segments.size(), 2u);
  EXPECT_EQ(vg.lvs[0].segments[0].areas.front().first_extent, 0u);
  EXPECT_EQ(vg.lvs[0].segments[1].areas.front().first_extent, 7u);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("no '" + from + "' in the text");
  return text.replace(at, from.size(), to);
}

// libdevmapper's parser (LVM's own) says where the text went wrong.
TEST(LvmMetadataText, MalformedTextNamesTheLine) {
  EXPECT_EQ(error_of(replaced(kSmall, "seqno = 3", "seqno 3")),
            "Parse error at byte 70 (line 5): unexpected token");
  EXPECT_EQ(error_of(replaced(kSmall, "[\"pv0\", 7]", "[\"pv0\" 7]")),
            "Parse error at byte 363 (line 12): expected a value");
  const std::string unclosed = std::string(kSmall).substr(0, std::string(kSmall).rfind('}'));
  EXPECT_EQ(error_of(unclosed), "Parse error at byte 504 (line 17): unexpected token");
  EXPECT_EQ(error_of(std::string(kSmall) + "}\n"), "Parse error at byte 506 (line 18): unexpected token");
}

TEST(LvmMetadataText, WrongFieldsNameThePath) {
  EXPECT_EQ(error_of(replaced(kSmall, "seqno = 3", "seqno = \"3\"")),
            "vg1: seqno = 3 is not a whole number");
  EXPECT_EQ(error_of(replaced(kSmall, "pe_count = 9", "")),
            "vg1/physical_volumes/pv0: no pe_count");
  EXPECT_EQ(error_of(replaced(kSmall, "[\"pv0\", 7]", "[\"pv0\"]")),
            "vg1/lv1/segment2: stripes is not a list of (name, extent) pairs");
  EXPECT_EQ(error_of(replaced(kSmall, "start_extent = 2", "start_extent = 3")),
            "vg1/lv1/segment2: the segment starts at extent 3, expected 2");
  EXPECT_EQ(error_of(replaced(kSmall, "top = \"x\"", "other { }")),
            "LVM metadata: a second volume group section 'vg1' after 'other'");
  EXPECT_EQ(error_of("contents = \"Text Format Volume Group\"\n"),
            "LVM metadata: no volume group section");
}

TEST(LvmConfigTree, ValuesEscapesAndComments) {
  using namespace std::literals;
  const ConfigNode root = parse_config(
      "a = \"q\\\"uo#te\\\\\"  # c\nb = -12\nc = 1.5\nd = [ ]\ne = bare\nf = [1, \"two\"]\0g = 1"sv);
  ASSERT_EQ(root.children.size(), 6u);  // the NUL ends the text
  EXPECT_EQ(root.children[0].values[0].text, "q\"uo#te\\");
  EXPECT_EQ(root.children[1].values[0].kind, ConfigValue::Kind::kInteger);
  EXPECT_EQ(root.children[1].values[0].integer, -12);
  EXPECT_EQ(root.children[2].values[0].kind, ConfigValue::Kind::kFloat);
  EXPECT_FALSE(root.children[3].is_section);
  EXPECT_TRUE(root.children[3].values.empty());
  EXPECT_EQ(root.children[4].values[0].kind, ConfigValue::Kind::kString);
  EXPECT_EQ(root.children[4].values[0].text, "bare");
  ASSERT_EQ(root.children[5].values.size(), 2u);
  EXPECT_EQ(root.children[5].values[1].text, "two");
  EXPECT_EQ(find_child(root, "e"), &root.children[4]);
  EXPECT_EQ(find_child(root, "g"), nullptr);
}

// As in LVM: a list of one value reads as the value (a PV's status is
// ["ALLOCATABLE"]), and braces in strings and comments do not nest.
TEST(LvmConfigTree, OneValueListsAndBracesInText) {
  std::string braces;
  for (int i = 0; i < 100; ++i) braces += "s = \"{\" # {\n";
  const ConfigNode root = parse_config("status = [\"ALLOCATABLE\"]\n" + braces);
  ASSERT_EQ(root.children[0].values.size(), 1u);
  EXPECT_EQ(root.children[0].values[0].text, "ALLOCATABLE");
  EXPECT_EQ(root.children.size(), 101u);
}

TEST(LvmConfigTree, IntegerOverflowIsAnError) {
  EXPECT_THROW(parse_config("a = 99999999999999999999\n"), Error);
}

// Found while writing fuzz/lvm_config: 5000 nested sections (10 KB of a
// metadata area's text) overflowed the recursive parser's stack.
TEST(LvmConfigTree, DeepNestingIsAnError) {
  std::string deep;
  for (int i = 0; i < 64; ++i) deep += "s {\n";
  EXPECT_NO_THROW(parse_config(deep + std::string(64, '}')));
  EXPECT_EQ(error_of(deep + "t { }" + std::string(64, '}')), "line 65: sections nested deeper than 64");
  std::string deeper;
  for (int i = 0; i < 5000; ++i) deeper += "a{";
  EXPECT_THROW(parse_config(deeper), Error);
}

}  // namespace
}  // namespace pv2luks
