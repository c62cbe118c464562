// monitored_thin_pools (converter/lib/lvm/thin_monitor.h) on lvs reports in
// the shape of `lvs --reportformat json -o lv_name,lv_attr,seg_monitor VG`
// (LVM 2.03.16): a pool dmeventd watches refuses a live conversion.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "error_of.h"
#include "lvm/thin_monitor.h"

namespace pv2luks {
namespace {

std::string report(const std::string& pool_monitor) {
  return R"({"report": [ { "lv": [
  {"lv_name":"fs", "lv_attr":"Vwi-aotz--", "seg_monitor":""},
  {"lv_name":"pool", "lv_attr":"twi-aotz--", "seg_monitor":")" + pool_monitor + R"("},
  {"lv_name":"raw", "lv_attr":"-wi-ao----", "seg_monitor":""}
] } ] })";
}

TEST(ThinMonitor, AMonitoredPoolIsNamed) {
  EXPECT_EQ(monitored_thin_pools("vg", report("monitored")), std::vector<std::string>{"vg/pool"});
  EXPECT_EQ(monitored_thin_pools("vg", report("pending")), std::vector<std::string>{"vg/pool"});
}

TEST(ThinMonitor, AnUnmonitoredPoolIsNot) {
  EXPECT_EQ(monitored_thin_pools("vg", report("not monitored")), std::vector<std::string>{});
  EXPECT_EQ(monitored_thin_pools("vg", report("")), std::vector<std::string>{});
}

TEST(ThinMonitor, OnlyThinPoolsCount) {
  // A monitored raid or mirror LV is refused by pv_refusals, not here.
  const std::string raid = R"({"report": [ { "lv": [
  {"lv_name":"r", "lv_attr":"rwi-a-r---", "seg_monitor":"monitored"}
] } ] })";
  EXPECT_EQ(monitored_thin_pools("vg", raid), std::vector<std::string>{});
}

TEST(ThinMonitor, MalformedReportsAreErrors) {
  EXPECT_NE(error_of([] { monitored_thin_pools("vg", "not json"); }), "");
  EXPECT_NE(error_of([] { monitored_thin_pools("vg", R"({"report": []})"); }).find("no \"report\""),
            std::string::npos);
  EXPECT_NE(error_of([] { monitored_thin_pools("vg", R"({"report": [ {} ]})"); }).find("\"lv\""),
            std::string::npos);
}

}  // namespace
}  // namespace pv2luks
