// pv_refusals on real reports: each captured in the lab guest (LVM 2.03.16)
// with `pvs --reportformat json --units s --nosuffix --segments -o
// <kPvReportFields> DISK`, from the setups of tests/lab/test_convert_refusals.py.
// Sub-LVs (images, pool data, metadata) show segtype "linear": only lv_attr
// tells what they belong to.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lvm/pv_report.h"

namespace pv2luks {
namespace {

// An interrupted pvmove, on its source PV (the destination looks the same).
const char kPvmove[] = R"({"report": [ { "pvseg": [
  {"pv_name":"/dev/vda", "pv_uuid":"bC9e81-xgDi-DRME-w1G3-JerA-bryJ-pjlZyM", "vg_name":"vgmv", "pe_start":"2048", "pv_size":"73728", "dev_size":"131072", "pv_mda_count":"1", "pvseg_start":"0", "pvseg_size":"4", "lv_name":"[pvmove0]", "segtype":"mirror", "lv_attr":"p-C-aom---"},
  {"pv_name":"/dev/vda", "pv_uuid":"bC9e81-xgDi-DRME-w1G3-JerA-bryJ-pjlZyM", "vg_name":"vgmv", "pe_start":"2048", "pv_size":"73728", "dev_size":"131072", "pv_mda_count":"1", "pvseg_start":"4", "pvseg_size":"5", "lv_name":"", "segtype":"free", "lv_attr":""}
] } ] })";

// A thin pool (with a thin LV, which has no extents of its own): the spare
// pool metadata comes first, then the pool's data and metadata.
const char kThinPool[] = R"({"report": [ { "pvseg": [
  {"pv_name":"/dev/vdc", "pv_uuid":"YueOsK-k8nP-sYaU-MHeq-7GKG-8Cgd-E94yTl", "vg_name":"vgth", "pe_start":"2048", "pv_size":"73728", "dev_size":"131072", "pv_mda_count":"1", "pvseg_start":"0", "pvseg_size":"1", "lv_name":"[lvol0_pmspare]", "segtype":"linear", "lv_attr":"ewi-------"},
  {"pv_name":"/dev/vdc", "pv_uuid":"YueOsK-k8nP-sYaU-MHeq-7GKG-8Cgd-E94yTl", "vg_name":"vgth", "pe_start":"2048", "pv_size":"73728", "dev_size":"131072", "pv_mda_count":"1", "pvseg_start":"1", "pvseg_size":"3", "lv_name":"[pool_tdata]", "segtype":"linear", "lv_attr":"Twi-ao----"},
  {"pv_name":"/dev/vdc", "pv_uuid":"YueOsK-k8nP-sYaU-MHeq-7GKG-8Cgd-E94yTl", "vg_name":"vgth", "pe_start":"2048", "pv_size":"73728", "dev_size":"131072", "pv_mda_count":"1", "pvseg_start":"4", "pvseg_size":"1", "lv_name":"[pool_tmeta]", "segtype":"linear", "lv_attr":"ewi-ao----"},
  {"pv_name":"/dev/vdc", "pv_uuid":"YueOsK-k8nP-sYaU-MHeq-7GKG-8Cgd-E94yTl", "vg_name":"vgth", "pe_start":"2048", "pv_size":"73728", "dev_size":"131072", "pv_mda_count":"1", "pvseg_start":"5", "pvseg_size":"4", "lv_name":"", "segtype":"free", "lv_attr":""}
] } ] })";

// An old-style snapshot next to its origin.
const char kSnapshot[] = R"({"report": [ { "pvseg": [
  {"pv_name":"/dev/vdd", "pv_uuid":"z3yUhj-Mh3r-Nuiz-Moue-v7Ir-2hGL-LPe2e3", "vg_name":"vgsn", "pe_start":"2048", "pv_size":"73728", "dev_size":"131072", "pv_mda_count":"1", "pvseg_start":"0", "pvseg_size":"2", "lv_name":"lv", "segtype":"linear", "lv_attr":"owi-a-s---"},
  {"pv_name":"/dev/vdd", "pv_uuid":"z3yUhj-Mh3r-Nuiz-Moue-v7Ir-2hGL-LPe2e3", "vg_name":"vgsn", "pe_start":"2048", "pv_size":"73728", "dev_size":"131072", "pv_mda_count":"1", "pvseg_start":"2", "pvseg_size":"2", "lv_name":"snap", "segtype":"linear", "lv_attr":"swi-a-s---"},
  {"pv_name":"/dev/vdd", "pv_uuid":"z3yUhj-Mh3r-Nuiz-Moue-v7Ir-2hGL-LPe2e3", "vg_name":"vgsn", "pe_start":"2048", "pv_size":"73728", "dev_size":"131072", "pv_mda_count":"1", "pvseg_start":"4", "pvseg_size":"5", "lv_name":"", "segtype":"free", "lv_attr":""}
] } ] })";

// One leg of a raid1 LV: its metadata and its image.
const char kRaid1Leg[] = R"({"report": [ { "pvseg": [
  {"pv_name":"/dev/vda", "pv_uuid":"eu8nhv-Msja-iW6U-Ahxz-Kjth-4Woo-CAEe8d", "vg_name":"vgr", "pe_start":"2048", "pv_size":"22528", "dev_size":"65536", "pv_mda_count":"1", "pvseg_start":"0", "pvseg_size":"1", "lv_name":"[r_rmeta_0]", "segtype":"linear", "lv_attr":"ewi-aor---"},
  {"pv_name":"/dev/vda", "pv_uuid":"eu8nhv-Msja-iW6U-Ahxz-Kjth-4Woo-CAEe8d", "vg_name":"vgr", "pe_start":"2048", "pv_size":"22528", "dev_size":"65536", "pv_mda_count":"1", "pvseg_start":"1", "pvseg_size":"4", "lv_name":"[r_rimage_0]", "segtype":"linear", "lv_attr":"iwi-aor---"},
  {"pv_name":"/dev/vda", "pv_uuid":"eu8nhv-Msja-iW6U-Ahxz-Kjth-4Woo-CAEe8d", "vg_name":"vgr", "pe_start":"2048", "pv_size":"22528", "dev_size":"65536", "pv_mda_count":"1", "pvseg_start":"5", "pvseg_size":"6", "lv_name":"", "segtype":"free", "lv_attr":""}
] } ] })";

// One leg of a --type mirror LV.
const char kMirrorLeg[] = R"({"report": [ { "pvseg": [
  {"pv_name":"/dev/vdc", "pv_uuid":"jf9FgA-EncZ-B8vU-yGw5-2sN4-QXhj-w3voBR", "vg_name":"vgm", "pe_start":"2048", "pv_size":"22528", "dev_size":"65536", "pv_mda_count":"1", "pvseg_start":"0", "pvseg_size":"4", "lv_name":"[m_mimage_0]", "segtype":"linear", "lv_attr":"iwi-aom---"},
  {"pv_name":"/dev/vdc", "pv_uuid":"jf9FgA-EncZ-B8vU-yGw5-2sN4-QXhj-w3voBR", "vg_name":"vgm", "pe_start":"2048", "pv_size":"22528", "dev_size":"65536", "pv_mda_count":"1", "pvseg_start":"4", "pvseg_size":"7", "lv_name":"", "segtype":"free", "lv_attr":""}
] } ] })";

// The disk log of that mirror, alone on a third PV.
const char kMirrorLog[] = R"({"report": [ { "pvseg": [
  {"pv_name":"/dev/vde", "pv_uuid":"62ysvi-vB4F-QY8F-AF3M-kyvo-qBBV-25U0TD", "vg_name":"vgm", "pe_start":"2048", "pv_size":"22528", "dev_size":"65536", "pv_mda_count":"1", "pvseg_start":"0", "pvseg_size":"1", "lv_name":"[m_mlog]", "segtype":"linear", "lv_attr":"lwi-aom---"},
  {"pv_name":"/dev/vde", "pv_uuid":"62ysvi-vB4F-QY8F-AF3M-kyvo-qBBV-25U0TD", "vg_name":"vgm", "pe_start":"2048", "pv_size":"22528", "dev_size":"65536", "pv_mda_count":"1", "pvseg_start":"1", "pvseg_size":"10", "lv_name":"", "segtype":"free", "lv_attr":""}
] } ] })";

std::vector<std::string> refusals(const std::string& json) {
  return pv_refusals(parse_pv_report(json));
}

// The message convert shows: the first refusal.
std::string shown(const std::string& json) {
  const auto problems = refusals(json);
  return problems.empty() ? std::string() : problems.front();
}

bool says(const std::string& message, const std::string& words) {
  return message.find(words) != std::string::npos;
}

TEST(PvRefusals, InterruptedPvmove) {
  EXPECT_TRUE(says(shown(kPvmove), "a pvmove is in progress (vgmv/[pvmove0])")) << shown(kPvmove);
}

TEST(PvRefusals, ThinPoolIsConverted) {
  // Its data, metadata and spare metadata are remapped like plain LVs
  // (tests/lab/test_convert_thin.py).
  EXPECT_EQ(refusals(kThinPool), std::vector<std::string>{});
}

TEST(PvRefusals, OtherKindsOfSubLvAreStillRefused) {
  // A VDO pool's data (D) where the thin pool's data was: a kind pv2luks
  // does not know.
  std::string json = kThinPool;
  json.replace(json.find("Twi-ao----"), 10, "Dwi-ao----");
  EXPECT_TRUE(says(shown(json), "vgth/[pool_tdata] is not a plain LV (lv_attr Dwi-ao----)"))
      << shown(json);
}

TEST(PvRefusals, CachePoolMetadataIsRefused) {
  // A cached LV's metadata alone on this PV: lv_attr e like a thin pool's,
  // with no cache mark of its own.
  std::string json = kThinPool;
  json.replace(json.find("[pool_tmeta]"), 12, "[cpool_cmeta]");
  EXPECT_TRUE(says(shown(json), "vgth/[cpool_cmeta] is pool metadata of a kind")) << shown(json);
}

TEST(PvRefusals, SnapshotAndOrigin) {
  const auto all = refusals(kSnapshot);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(says(all[0], "vgsn/lv is a snapshot or a snapshot's origin")) << all[0];
  EXPECT_TRUE(says(all[1], "vgsn/snap is a snapshot")) << all[1];
}

TEST(PvRefusals, Raid1LegMetadataAndImage) {
  const auto all = refusals(kRaid1Leg);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(says(all[0], "vgr/[r_rmeta_0] belongs to a raid LV")) << all[0];
  EXPECT_TRUE(says(all[1], "vgr/[r_rimage_0] belongs to a raid LV")) << all[1];
}

TEST(PvRefusals, MirrorLegAndLog) {
  EXPECT_TRUE(says(shown(kMirrorLeg), "vgm/[m_mimage_0] belongs to a mirror LV"))
      << shown(kMirrorLeg);
  EXPECT_TRUE(says(shown(kMirrorLog), "vgm/[m_mlog] belongs to a mirror LV")) << shown(kMirrorLog);
}

// The control: the same reports with every LV made plain are accepted, so the
// refusals above come from lv_attr and nothing else in the rows.
TEST(PvRefusals, SameRowsAsPlainLvsAreAccepted) {
  for (std::string json : {kThinPool, kSnapshot, kRaid1Leg, kMirrorLeg, kMirrorLog}) {
    for (std::size_t at = json.find("\"lv_attr\":\""); at != std::string::npos;
         at = json.find("\"lv_attr\":\"", at + 1)) {
      const std::size_t value = at + 11;
      if (json[value] != '"') json.replace(value, 10, "-wi-a-----");
    }
    EXPECT_TRUE(refusals(json).empty()) << shown(json);
  }
}

TEST(PvRefusals, UnknownKindsAreRefusedLast) {
  // A plain LV's segment with a kind this code does not know (vdo pool data)
  // is still refused, after the ones that say what the LV is.
  std::string json = kSnapshot;
  json.replace(json.find("owi-a-s---"), 10, "Dwi-ao----");
  const auto all = refusals(json);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(says(all[0], "vgsn/snap is a snapshot")) << all[0];
  EXPECT_TRUE(says(all[1], "vgsn/lv is not a plain LV (lv_attr Dwi-ao----)")) << all[1];
}

}  // namespace
}  // namespace pv2luks
