// Options the chosen mode does not use are refused, not ignored
// (converter/lib/convert/unused_options.h), by the library's own entry
// points too: an offline conversion asked to update the crypttab refuses
// before it opens anything.
#include <gtest/gtest.h>

#include "convert/unused_options.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {
namespace {

ConvertOptions offline(const std::string& device) {
  ConvertOptions options;
  options.device = device;
  options.offline = true;
  return options;
}

TEST(UnusedOptions, OfflineConvertTakesNoCrypttabOptions) {
  ConvertOptions options = offline("x.img");
  EXPECT_EQ(unused_option(options), "");
  options.update_crypttab = true;
  EXPECT_NE(unused_option(options).find("--update-crypttab is for live conversions; offline, "
                                        "--guest-config adds the crypttab line inside the guest"),
            std::string::npos);
  options.update_crypttab = false;
  options.crypttab_path = "/mnt/etc/crypttab";
  EXPECT_NE(unused_option(options).find("--crypttab is for live conversions"), std::string::npos);
}

TEST(UnusedOptions, LiveConvertTakesNoOfflineOptions) {
  ConvertOptions options;
  options.device = "/dev/vda2";
  options.update_crypttab = true;
  options.crypttab_path = "/mnt/etc/crypttab";
  EXPECT_EQ(unused_option(options), "");
  options.partition = 2;
  EXPECT_NE(unused_option(options).find("--partition needs --offline"), std::string::npos);
  options.partition = 0;
  options.guest_config = true;
  EXPECT_NE(unused_option(options).find("--guest-config needs --offline"), std::string::npos);
}

TEST(UnusedOptions, Resume) {
  ResumeOptions options;
  options.device = "x.img";
  options.offline = true;
  options.guest_config = true;
  EXPECT_EQ(unused_option(options), "");
  options.activate_only = true;
  EXPECT_NE(unused_option(options).find("--activate-only is for live"), std::string::npos);
  options.activate_only = false;
  options.update_crypttab = true;
  EXPECT_NE(unused_option(options).find("--update-crypttab is for live"), std::string::npos);
  options.offline = false;
  options.guest_config = false;
  EXPECT_EQ(unused_option(options), "");
}

TEST(UnusedOptions, ConvertOfflineRefusesBeforeOpeningTheImage) {
  ConvertOptions options = offline("/nonexistent/x.img");
  options.update_crypttab = true;
  const ConvertResult result = convert_offline(options, [](const std::string&) {}, {});
  EXPECT_EQ(result.status, ConvertStatus::kRefused);
  EXPECT_NE(result.message.find("--update-crypttab is for live conversions"), std::string::npos)
      << result.message;
}

TEST(UnusedOptions, ResumeOfflineRefusesTheCrypttab) {
  ResumeOptions options;
  options.device = "/nonexistent/x.img";
  options.offline = true;
  options.crypttab_path = "/mnt/etc/crypttab";
  const ConvertResult result = resume_conversion(options, [](const std::string&) {}, {});
  EXPECT_EQ(result.status, ConvertStatus::kRefused);
  EXPECT_NE(result.message.find("--crypttab is for live conversions"), std::string::npos)
      << result.message;
}

}  // namespace
}  // namespace pv2luks
