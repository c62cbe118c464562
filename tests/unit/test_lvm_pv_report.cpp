#include <gtest/gtest.h>

#include "base/error.h"
#include "error_of.h"
#include "lvm/pv_report.h"

namespace pv2luks {
namespace {

// Captured from `pvs --segments` on an image built from images/test-gpt.json.
const char kReport[] = R"({
  "report": [ { "pvseg": [
    {"pv_name":"/dev/loop0", "pv_uuid":"nFGgOu", "vg_name":"testgpt", "pe_start":"2048", "pv_size":"196608", "dev_size":"241664", "pv_mda_count":"1", "pvseg_start":"0", "pvseg_size":"8", "lv_name":"root", "segtype":"linear", "lv_attr":"-wi-XX----"},
    {"pv_name":"/dev/loop0", "pv_uuid":"nFGgOu", "vg_name":"testgpt", "pe_start":"2048", "pv_size":"196608", "dev_size":"241664", "pv_mda_count":"1", "pvseg_start":"8", "pvseg_size":"3", "lv_name":"data", "segtype":"linear", "lv_attr":"-wi-XX----"},
    {"pv_name":"/dev/loop0", "pv_uuid":"nFGgOu", "vg_name":"testgpt", "pe_start":"2048", "pv_size":"196608", "dev_size":"241664", "pv_mda_count":"1", "pvseg_start":"11", "pvseg_size":"1", "lv_name":"", "segtype":"free", "lv_attr":""}
  ] } ]
})";

TEST(PvReport, ReadsGeometryAndSegments) {
  const PvReport report = parse_pv_report(kReport);
  EXPECT_EQ(report.vg_name, "testgpt");
  EXPECT_EQ(report.pe_start_sectors, 2048u);
  EXPECT_EQ(report.used_sectors(), 2048u + 196608u);
  EXPECT_EQ(report.tail_room_sectors(), 241664u - 2048u - 196608u);
  ASSERT_EQ(report.segments.size(), 3u);
  EXPECT_EQ(report.segments[1].lv_name, "data");
  EXPECT_EQ(report.segments[2].segtype, "free");
  EXPECT_TRUE(pv_refusals(report).empty());
}

std::string with(const std::string& from, const std::string& to) {
  std::string text = kReport;
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(PvReport, RefusesWhatItCannotKeepLive) {
  const auto refusal = [](const std::string& json) {
    const auto problems = pv_refusals(parse_pv_report(json));
    return problems.empty() ? std::string() : problems.front();
  };
  EXPECT_NE(refusal(with(R"("segtype":"linear", "lv_attr":"-wi-XX----"})",
                         R"("segtype":"pvmove", "lv_attr":"p-C-ao----"})")).find("pvmove"),
            std::string::npos);
  EXPECT_NE(refusal(with(R"("segtype":"linear")", R"("segtype":"thin-pool")")).find("thin"),
            std::string::npos);
  EXPECT_NE(refusal(with(R"("segtype":"linear")", R"("segtype":"raid1")")).find("raid"),
            std::string::npos);
  EXPECT_NE(refusal(with(R"("lv_attr":"-wi-XX----")", R"("lv_attr":"swi-a-s---")")).find("snapshot"),
            std::string::npos);
  EXPECT_NE(refusal(with(R"("pv_mda_count":"1")", R"("pv_mda_count":"2")")).find("metadata areas"),
            std::string::npos);
}

TEST(PvReport, MalformedReportsAreErrors) {
  EXPECT_THROW(parse_pv_report("{"), Error);
  EXPECT_THROW(parse_pv_report(R"({"report": [ {"pvseg": []} ]})"), Error);
  EXPECT_THROW(parse_pv_report(with(R"("pe_start":"2048")", R"("pe_start":"2k")")), Error);
}

// Caught by fuzz/pv_report's invariants on crafted reports: "-1" read as
// 2^64 - 1, and pe_start + pv_size wrapped to a small used size.
TEST(PvReport, NumbersThatWrapAreErrors) {
  EXPECT_THROW(parse_pv_report(with(R"("pe_start":"2048")", R"("pe_start":"-1")")), Error);
  EXPECT_THROW(parse_pv_report(with(R"("pe_start":"2048")", R"("pe_start":" 2048")")), Error);
  EXPECT_THROW(
      parse_pv_report(with(R"("pe_start":"2048")", R"("pe_start":"18446744073709551615")")),
      Error);
}

// Found while writing fuzz/pv_report: 50000 nested arrays overflowed the
// stack of Boost's recursive JSON parser.
TEST(PvReport, DeepNestingIsAnError) {
  EXPECT_THROW(parse_pv_report(std::string(50000, '[')), Error);
  const std::string deep = std::string(64, '[') + std::string(64, ']');
  EXPECT_EQ(error_of([&] { parse_pv_report(deep); }), "pvs report: no \"report\"");
  EXPECT_EQ(error_of([&] { parse_pv_report("[" + deep + "]"); }),
            "pvs report: not valid JSON: nested deeper than 64");
  EXPECT_NO_THROW(parse_pv_report(with(R"("lv_name":"root")", R"("lv_name":"[[[[")")));
}

}  // namespace
}  // namespace pv2luks
