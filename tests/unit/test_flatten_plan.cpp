// flatten/flatten_plan.h: LV tables mapped straight onto the crypt device's
// disk and back, as table arithmetic; and what is refused.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "flatten/flatten_plan.h"
#include "flatten/flatten_state.h"
#include "flatten/layer_parse.h"

namespace pv2luks {
namespace {

const std::string kCryptNumber = "253:0";

dm::KernelTarget target(std::uint64_t start, std::uint64_t length, std::string type,
                        std::string params) {
  return {start, length, std::move(type), std::move(params)};
}

// A LUKS2 device on 252:16 with the usual 16 MiB data offset.
CryptLayer crypt_layer() {
  return {"luks-UUID", kCryptNumber,
          {target(0, 2000000, "crypt",
                  "aes-xts-plain64 :64:logon:cryptsetup:UUID-d0 0 252:16 32768")}};
}

CryptLayer with_params(std::string params) {
  CryptLayer crypt = crypt_layer();
  crypt.table[0].params = std::move(params);
  return crypt;
}

std::vector<LvLayer> two_lvs() {
  return {{"vg-root", {target(0, 8192, "linear", "253:0 2048")}},
          {"vg-data",
           {target(0, 4096, "linear", "253:0 10240"), target(4096, 2048, "linear", "253:0 40960")}}};
}

KeyRef volume_key() { return KeyRef::keyring(64, "pv2luks:flatten-test"); }

// What the kernel would print for a planned table (keyring keys print as is).
std::vector<dm::KernelTarget> as_kernel_prints(const DmTable& table) {
  std::vector<dm::KernelTarget> targets;
  std::istringstream lines(table.to_text(ShowKeys::no));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    dm::KernelTarget t;
    words >> t.start_sectors >> t.length_sectors >> t.type;
    std::getline(words >> std::ws, t.params);
    targets.push_back(t);
  }
  return targets;
}

std::vector<LvLayer> as_live(const LayerPlan& plan) {
  std::vector<LvLayer> lvs;
  for (const auto& [name, table] : plan.tables) lvs.push_back({name, as_kernel_prints(table)});
  return lvs;
}

std::string joined(const std::vector<std::string>& problems) {
  std::string text;
  for (const std::string& problem : problems) text += problem + "\n";
  return text;
}

TEST(FlattenPlan, EachSegmentBecomesACryptTargetShiftedByItsOffset) {
  const LayerPlan plan = plan_flatten(crypt_layer(), two_lvs(), volume_key());
  ASSERT_TRUE(plan.ok()) << joined(plan.problems);
  ASSERT_EQ(plan.tables.size(), 2u);
  EXPECT_EQ(plan.tables[0].first, "vg-root");
  EXPECT_EQ(plan.tables[0].second.to_text(ShowKeys::no),
            "0 8192 crypt aes-xts-plain64 :64:logon:pv2luks:flatten-test 2048 252:16 34816\n");
  EXPECT_EQ(plan.tables[1].second.to_text(ShowKeys::no),
            "0 4096 crypt aes-xts-plain64 :64:logon:pv2luks:flatten-test 10240 252:16 43008\n"
            "4096 2048 crypt aes-xts-plain64 :64:logon:pv2luks:flatten-test 40960 252:16 73728\n");
}

TEST(FlattenPlan, CipherNullKeepsItsNoKey) {
  // cryptsetup opens a cipher_null volume with "-" for the key; dm-crypt
  // refuses any other (its null cipher takes 0 key bytes).
  const LayerPlan plan = plan_flatten(with_params("cipher_null-ecb - 0 252:16 32768"), two_lvs(),
                                      volume_key());
  ASSERT_TRUE(plan.ok()) << joined(plan.problems);
  EXPECT_EQ(plan.tables[0].second.to_text(ShowKeys::yes),
            "0 8192 crypt cipher_null-ecb - 2048 252:16 34816\n");
}

TEST(FlattenPlan, TheCryptDevicesIvOffsetAndOptionsCarryOver) {
  const CryptLayer crypt = with_params("aes-xts-plain64 :64:logon:cryptsetup:UUID-d0 80 252:16 "
                                       "32768 3 allow_discards sector_size:4096 iv_large_sectors");
  const LayerPlan plan = plan_flatten(crypt, two_lvs(), volume_key());
  ASSERT_TRUE(plan.ok()) << joined(plan.problems);
  EXPECT_EQ(plan.tables[0].second.to_text(ShowKeys::no),
            "0 8192 crypt aes-xts-plain64 :64:logon:pv2luks:flatten-test 2128 252:16 34816 "
            "3 allow_discards sector_size:4096 iv_large_sectors\n");
}

TEST(FlattenPlan, UnflattenRestoresTheLinearTablesExactly) {
  const LayerPlan flat = plan_flatten(crypt_layer(), two_lvs(), volume_key());
  ASSERT_TRUE(flat.ok()) << joined(flat.problems);
  const LayerPlan back = plan_unflatten(crypt_layer(), as_live(flat));
  ASSERT_TRUE(back.ok()) << joined(back.problems);
  ASSERT_EQ(back.tables.size(), 2u);
  EXPECT_EQ(back.tables[0].second.to_text(ShowKeys::no), "0 8192 linear 253:0 2048\n");
  EXPECT_EQ(back.tables[1].second.to_text(ShowKeys::no),
            "0 4096 linear 253:0 10240\n4096 2048 linear 253:0 40960\n");
}

// Negative control: one flattened segment with its IV offset 8 sectors off
// would decrypt to garbage; unflatten must refuse it, not remap it.
TEST(FlattenPlan, UnflattenRefusesASegmentWithAWrongIvOffset) {
  std::vector<LvLayer> live = as_live(plan_flatten(crypt_layer(), two_lvs(), volume_key()));
  std::string& params = live[1].table[1].params;
  params.replace(params.find(" 40960 "), 7, " 40968 ");
  const LayerPlan back = plan_unflatten(crypt_layer(), live);
  EXPECT_FALSE(back.ok());
  EXPECT_TRUE(back.tables.empty());
  EXPECT_NE(joined(back.problems).find("vg-data: segment 1: its IV offset is 40968, but its place "
                                       "on the disk says 40960"),
            std::string::npos)
      << joined(back.problems);
}

TEST(FlattenPlan, UnflattenRefusesSegmentsOfAnotherDiskOrCipher) {
  std::vector<LvLayer> live = as_live(plan_flatten(crypt_layer(), two_lvs(), volume_key()));
  live[0].table[0].params.replace(live[0].table[0].params.find("252:16"), 6, "252:32");
  live[1].table[0].params.replace(0, 15, "serpent-xts-plain64");
  const std::string problems = joined(plan_unflatten(crypt_layer(), live).problems);
  EXPECT_NE(problems.find("vg-root: segment 0: its crypt target (aes-xts-plain64 on 252:32"),
            std::string::npos)
      << problems;
  EXPECT_NE(problems.find("vg-data: segment 0: its crypt target (serpent-xts-plain64"),
            std::string::npos)
      << problems;
}

TEST(FlattenPlan, UnflattenRefusesAnLvThatIsNotFlattened) {
  const LayerPlan back = plan_unflatten(crypt_layer(), two_lvs());
  EXPECT_NE(joined(back.problems).find("vg-root: segment 0: a linear target, not crypt (not a "
                                       "flattened LV)"),
            std::string::npos)
      << joined(back.problems);
}

struct Refusal {
  const char* name;
  CryptLayer crypt;
  std::vector<LvLayer> lvs;
  const char* says;
};

class FlattenRefuses : public testing::TestWithParam<Refusal> {};

TEST_P(FlattenRefuses, WithTheReasonAndNoTables) {
  const Refusal& refusal = GetParam();
  const LayerPlan plan = plan_flatten(refusal.crypt, refusal.lvs, volume_key());
  EXPECT_FALSE(plan.ok());
  EXPECT_TRUE(plan.tables.empty());
  EXPECT_NE(joined(plan.problems).find(refusal.says), std::string::npos) << joined(plan.problems);
}

CryptLayer two_segments() {
  CryptLayer crypt = crypt_layer();
  crypt.table.push_back(target(2000000, 1000, "crypt", crypt.table[0].params));
  return crypt;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FlattenRefuses,
    testing::Values(
        Refusal{"CryptInTwoSegments", two_segments(), two_lvs(),
                "luks-UUID: it has 2 segments; only a crypt device of one segment is flattened"},
        Refusal{"Integrity",
                with_params("aes-xts-plain64 :64:logon:x 0 252:16 32768 1 integrity:32:aead"),
                two_lvs(), "it is integrity-protected (integrity:32:aead)"},
        Refusal{"Authenticated",
                with_params("capi:authenc(hmac(sha256),xts(aes))-random :96:logon:x 0 252:16 0"),
                two_lvs(), "is authenticated encryption, which is not flattened"},
        Refusal{"Striped", crypt_layer(),
                {{"vg-s", {target(0, 4096, "striped", "2 128 253:0 0 253:1 0")}}},
                "vg-s: segment 0: a striped segment: only linear LVs are flattened"},
        Refusal{"Snapshot", crypt_layer(),
                {{"vg-snap", {target(0, 4096, "snapshot", "253:3 253:4 P 8")}}},
                "vg-snap: segment 0: a snapshot segment"},
        Refusal{"OtherPv", crypt_layer(),
                {{"vg-span",
                  {target(0, 4096, "linear", "253:0 2048"), target(4096, 4096, "linear", "8:17 2048")}}},
                "vg-span: segment 1: it maps onto 8:17, not luks-UUID (253:0): LVs with extents "
                "on other PVs are not flattened"},
        Refusal{"BeyondTheEnd", crypt_layer(),
                {{"vg-big", {target(0, 8192, "linear", "253:0 1999000")}}},
                "lie beyond the crypt device's 2000000"},
        Refusal{"PartSectors",
                with_params("aes-xts-plain64 :64:logon:x 0 252:16 32768 1 sector_size:4096"),
                {{"vg-odd", {target(0, 8192, "linear", "253:0 2052")}}},
                "vg-odd: segment 0: it is not made of whole 4096-byte encryption sectors"},
        Refusal{"Malformed", with_params("aes-xts-plain64 :64:logon:x zero 252:16 32768"), two_lvs(),
                "luks-UUID: malformed crypt parameters"}),
    [](const testing::TestParamInfo<Refusal>& info) { return std::string(info.param.name); });

TEST(FlattenNames, TheVgOfAnLvsDmName) {
  EXPECT_EQ(vg_of_dm_name("fvg-a"), "fvg");
  EXPECT_EQ(vg_of_dm_name("my--vg-root--lv"), "my-vg");
  EXPECT_EQ(vg_of_dm_name("a--b--c-d"), "a-b-c");
  EXPECT_EQ(vg_of_dm_name("nodash"), "");
  EXPECT_EQ(vg_of_dm_name("only--doubled"), "");
}

FlattenState state_of(std::vector<std::string> layered, std::vector<std::string> flat) {
  FlattenState state;
  state.vg = "fvg";
  state.crypt = "flatcrypt";
  state.luks_device = "/dev/vdb";
  state.layered_lvs = std::move(layered);
  state.flattened_lvs = std::move(flat);
  state.guard = state.tagged = !state.flattened_lvs.empty();
  return state;
}

TEST(FlattenState, EachStateSaysWhatItIs) {
  EXPECT_EQ(describe_flatten_state(state_of({"fvg-a", "fvg-b"}, {}))[0],
            "VG fvg on flatcrypt (/dev/vdb): layered (2 LVs on the crypt device)");
  const auto flat = describe_flatten_state(state_of({}, {"fvg-a", "fvg-b"}));
  EXPECT_EQ(flat[0],
            "VG fvg on flatcrypt (/dev/vdb): FLATTENED: 2 LVs map straight onto /dev/vdb "
            "through crypt targets");
  EXPECT_EQ(flat.back(),
            "  run 'pv2luks unflatten fvg' before changing LVM metadata (lvextend, pvmove, ...)");
  const auto partly = describe_flatten_state(state_of({"fvg-b"}, {"fvg-a"}));
  EXPECT_EQ(partly[0], "VG fvg on flatcrypt (/dev/vdb): PARTLY FLATTENED: 1 of 2 LVs map "
                       "straight onto /dev/vdb");
  EXPECT_NE(partly[1].find("fvg-b"), std::string::npos);
}

TEST(FlattenState, RecordsLeftBehindAndAClosedCryptDeviceAreNamed) {
  FlattenState stale = state_of({"fvg-a"}, {});
  stale.tagged = true;
  const auto lines = describe_flatten_state(stale);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("VG tag pv2luks_flattened"), std::string::npos);
  FlattenState unguarded = state_of({}, {"fvg-a"});
  unguarded.guard = false;
  EXPECT_NE(describe_flatten_state(unguarded)[1].find("is gone"), std::string::npos);
  FlattenState closed = state_of({}, {"fvg-a"});
  closed.crypt_open = false;
  EXPECT_NE(describe_flatten_state(closed)[0].find("CLOSED WHILE FLATTENED"), std::string::npos);
}

}  // namespace
}  // namespace pv2luks
