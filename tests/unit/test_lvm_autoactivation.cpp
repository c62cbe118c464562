// lvm/autoactivation: the pvs line parsed, and the vgchange commands that
// turn a VG's autoactivation off for a conversion and back on after it.
#include <gtest/gtest.h>

#include "error_of.h"
#include "lvm/autoactivation.h"

namespace pv2luks {
namespace {

TEST(VgActivation, ParsesEnabledAndTags) {
  const VgActivation vg = parse_vg_activation("  guestvg:enabled:web,pv2luks_converting\n");
  EXPECT_EQ(vg.vg, "guestvg");
  EXPECT_TRUE(vg.autoactivation);
  EXPECT_TRUE(vg.converting_tag);
}

TEST(VgActivation, ParsesDisabledWithoutTags) {
  const VgActivation vg = parse_vg_activation("  data::\n");
  EXPECT_EQ(vg.vg, "data");
  EXPECT_FALSE(vg.autoactivation);
  EXPECT_FALSE(vg.converting_tag);
}

TEST(VgActivation, ATagThatOnlyContainsTheNameDoesNotCount) {
  EXPECT_FALSE(parse_vg_activation("vg:enabled:pv2luks_converting_old,x").converting_tag);
}

TEST(VgActivation, RefusesALineWithoutTheFields) {
  EXPECT_NE(error_of([] { parse_vg_activation("  guestvg\n"); }).find("vg_name"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_vg_activation("  ::\n"); }).find("no VG name"), std::string::npos);
}

TEST(VgActivation, OffOnlyWhenOnAndRestoreOnlyWhenTagged) {
  const std::vector<std::string> off = autoactivation_off_command({"vg", true, false});
  EXPECT_EQ(off, (std::vector<std::string>{"vgchange", "--devicesfile=", "--quiet", "--setautoactivation", "n",
                                           "--addtag", kConvertingTag, "vg"}));
  EXPECT_TRUE(autoactivation_off_command({"vg", false, false}).empty());  // the owner's choice
  EXPECT_TRUE(autoactivation_off_command({"vg", false, true}).empty());   // already guarded
  const std::vector<std::string> on = autoactivation_restore_command({"vg", false, true});
  EXPECT_EQ(on, (std::vector<std::string>{"vgchange", "--devicesfile=", "--quiet", "--setautoactivation", "y",
                                          "--deltag", kConvertingTag, "vg"}));
  EXPECT_TRUE(autoactivation_restore_command({"vg", false, false}).empty());
}

}  // namespace
}  // namespace pv2luks
