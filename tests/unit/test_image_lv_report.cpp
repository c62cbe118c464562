// LVM JSON reports -> segments -> byte ranges of the disk
// (harness/image/lv_report.h). The samples are captured from lvm2 2.03.16
// on the test-gpt image (a two-segment LV "data").
#include <gtest/gtest.h>

#include "common/error.h"
#include "image/lv_report.h"

namespace harness {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

const char kSegments[] = R"(  {
      "report": [
          {
              "lv": [
                  {"lv_name":"data", "seg_start_pe":"0", "seg_size_pe":"3", "seg_pe_ranges":"/dev/loop0:8-10", "vg_extent_size":"4194304"},
                  {"lv_name":"data", "seg_start_pe":"3", "seg_size_pe":"3", "seg_pe_ranges":"/dev/loop0:12-14", "vg_extent_size":"4194304"},
                  {"lv_name":"empty", "seg_start_pe":"0", "seg_size_pe":"2", "seg_pe_ranges":"/dev/loop0:15-16", "vg_extent_size":"4194304"},
                  {"lv_name":"root", "seg_start_pe":"0", "seg_size_pe":"8", "seg_pe_ranges":"/dev/loop0:0-7", "vg_extent_size":"4194304"}
              ]
          }
      ]
  }
)";

const char kPvs[] = R"(  {
      "report": [
          {
              "pv": [
                  {"pv_name":"/dev/loop0", "pe_start":"1048576", "pv_pe_count":"24"}
              ]
          }
      ]
  }
)";

const char kLvList[] = R"(  {
      "report": [
          {
              "lv": [
                  {"lv_name":"data", "lv_path":"/dev/testgpt/data", "lv_size":"25165824"},
                  {"lv_name":"empty", "lv_path":"/dev/testgpt/empty", "lv_size":"8388608"},
                  {"lv_name":"root", "lv_path":"/dev/testgpt/root", "lv_size":"33554432"}
              ]
          }
      ]
  }
)";

std::string error_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const std::exception& e) {  // harness::Error, or pv2luks::Error from the JSON reader
    return e.what();
  }
  return "";
}

TEST(LvReport, ParsesSegments) {
  const SegmentReport report = parse_segment_report(kSegments);
  EXPECT_EQ(report.extent_size_bytes, 4 * kMiB);
  ASSERT_EQ(report.segments.size(), 4u);
  EXPECT_EQ(report.segments[1], (LvSegment{"data", 3, 3, "/dev/loop0", 12}));
  EXPECT_EQ(report.segments[3], (LvSegment{"root", 0, 8, "/dev/loop0", 0}));
  EXPECT_EQ(segment_lv_names(report), (std::vector<std::string>{"data", "empty", "root"}));
}

TEST(LvReport, TwoSegmentLvBecomesTwoByteRanges) {
  const SegmentReport report = parse_segment_report(kSegments);
  // PV partition at 9 MiB, pe_start 1 MiB: PE n lies at 10 MiB + n * 4 MiB.
  const auto ranges = lv_byte_ranges(report, "data", 9 * kMiB, kMiB);
  EXPECT_EQ(ranges, (std::vector<ByteRange>{{42 * kMiB, 12 * kMiB}, {58 * kMiB, 12 * kMiB}}));
  EXPECT_EQ(lv_byte_ranges(report, "root", 9 * kMiB, kMiB),
            (std::vector<ByteRange>{{10 * kMiB, 32 * kMiB}}));
  EXPECT_TRUE(lv_byte_ranges(report, "nosuch", 9 * kMiB, kMiB).empty());
}

TEST(LvReport, RangesFollowLogicalOrderNotReportOrder) {
  SegmentReport report;
  report.extent_size_bytes = kMiB;
  report.segments = {{"x", 4, 2, "/dev/loop0", 0}, {"x", 0, 4, "/dev/loop0", 10}};
  EXPECT_EQ(lv_byte_ranges(report, "x", 0, kMiB),
            (std::vector<ByteRange>{{11 * kMiB, 4 * kMiB}, {kMiB, 2 * kMiB}}));
}

TEST(LvReport, ParsesPeRanges) {
  LvSegment segment;
  parse_pe_range("/dev/mapper/my-pv:100-163", 64, segment);
  EXPECT_EQ(segment.pv_name, "/dev/mapper/my-pv");
  EXPECT_EQ(segment.pe_first, 100u);
}

TEST(LvReport, RefusesStripedVirtualAndMismatchedRanges) {
  LvSegment segment;
  EXPECT_NE(error_of([&] { parse_pe_range("/dev/a:0-1 /dev/b:0-1", 4, segment); })
                .find("not one linear range"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_pe_range("", 4, segment); }).find("not one linear range"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_pe_range("/dev/a:0-2", 4, segment); })
                .find("does not match seg_size_pe 4"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_pe_range("/dev/a:5-x", 1, segment); }).find("does not match"),
            std::string::npos);
}

TEST(LvReport, ParsesPvReport) {
  const auto pvs = parse_pv_report(kPvs);
  ASSERT_EQ(pvs.size(), 1u);
  EXPECT_EQ(pvs[0].pv_name, "/dev/loop0");
  EXPECT_EQ(pvs[0].pe_start_bytes, kMiB);
  EXPECT_EQ(pvs[0].pe_count, 24u);
}

TEST(LvReport, ParsesLvList) {
  const auto lvs = parse_lv_list(kLvList);
  ASSERT_EQ(lvs.size(), 3u);
  EXPECT_EQ(lvs[2].name, "root");
  EXPECT_EQ(lvs[2].path, "/dev/testgpt/root");
  EXPECT_EQ(lvs[2].size_bytes, 32 * kMiB);
}

TEST(LvReport, EmptyVgHasNoRows) {
  EXPECT_TRUE(parse_lv_list(R"({"report": [{"lv": []}]})").empty());
}

TEST(LvReport, RefusesBadReports) {
  EXPECT_NE(error_of([] { parse_lv_list("{"); }).find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of([] { parse_lv_list("{}"); }).find("no \"report\""), std::string::npos);
  EXPECT_NE(error_of([] { parse_lv_list(R"({"report": [{"lv": [{"lv_name": "a"}]}]})"); })
                .find("has no field lv_path"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_pv_report(R"({"report": [{"pv": [{"pv_name": "/dev/x", "pe_start": "1.0",
                  "pv_pe_count": "3"}]}]})");
            }).find("field pe_start is '1.0', not a number"),
            std::string::npos);
}

}  // namespace
}  // namespace harness
