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

ConvertOptions live(const std::string& device) {
  ConvertOptions options;
  options.device = device;
  options.process.lock_memory = true;
  return options;
}

TEST(UnusedOptions, LiveConvertTakesNoOfflineOptions) {
  ConvertOptions options = live("/dev/vda2");
  options.update_crypttab = true;
  options.crypttab_path = "/mnt/etc/crypttab";
  EXPECT_EQ(unused_option(options), "");
  options.partition = 2;
  EXPECT_NE(unused_option(options).find("--partition needs --offline"), std::string::npos);
  options.partition = 0;
  options.guest_config = true;
  EXPECT_NE(unused_option(options).find("--guest-config needs --offline"), std::string::npos);
}

TEST(UnusedOptions, ActivateOnlyMovesNothingToPace) {
  ResumeOptions options;
  options.device = "/dev/vda2";
  options.process.lock_memory = true;
  options.max_rate_bytes = 8 << 20;
  EXPECT_EQ(unused_option(options), "");
  options.activate_only = true;
  EXPECT_NE(unused_option(options).find("--max-rate paces a move, and --activate-only moves "
                                        "nothing"),
            std::string::npos);
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
  options.token_only = true;
  EXPECT_NE(unused_option(options).find("--token-only is for live"), std::string::npos);
  options.token_only = false;
  options.update_crypttab = true;
  EXPECT_NE(unused_option(options).find("--update-crypttab is for live"), std::string::npos);
  options.offline = false;
  options.guest_config = false;
  options.process.lock_memory = true;
  EXPECT_EQ(unused_option(options), "");
  options.token_only = true;
  EXPECT_EQ(unused_option(options), "");
  options.key_file = "recovery.key";
  EXPECT_NE(unused_option(options).find("--token-only opens by the TPM2 token, --key-file by a "
                                        "passphrase"),
            std::string::npos);
  options.key_file.reset();
  options.disable_external_tokens = true;
  EXPECT_NE(unused_option(options).find("--disable-external-tokens never tries it"),
            std::string::npos);
  options.token_only = false;
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

// `offline` says which conversion the options describe; the entry point
// that converts the other way refuses them.
TEST(UnusedOptions, EachEntryRefusesTheOtherMode) {
  EXPECT_EQ(unused_option(live("/dev/vda2"), Mode::kLive), "");
  EXPECT_NE(unused_option(live("/dev/vda2"), Mode::kOffline)
                .find("ConvertOptions::offline is not set, but convert_offline"),
            std::string::npos);
  EXPECT_EQ(unused_option(offline("x.img"), Mode::kOffline), "");
  EXPECT_NE(unused_option(offline("x.img"), Mode::kLive)
                .find("ConvertOptions::offline is set, but convert_live converts live"),
            std::string::npos);
}

TEST(UnusedOptions, OfflineConvertTakesNoForce) {
  ConvertOptions options = offline("x.img");
  options.force = true;
  EXPECT_NE(unused_option(options, Mode::kOffline).find("--force is for live conversions"),
            std::string::npos);
}

// A live run suspends devices: without lock_memory it is refused, naming
// the option; its dry run suspends nothing and needs none.
TEST(UnusedOptions, LiveRunsNeedLockMemory) {
  ConvertOptions options = live("/dev/vda2");
  options.process.lock_memory = false;
  EXPECT_NE(unused_option(options, Mode::kLive).find("set ProcessPolicy::lock_memory"),
            std::string::npos);
  options.dry_run = true;
  EXPECT_EQ(unused_option(options, Mode::kLive), "");
  ResumeOptions resume;
  resume.device = "/dev/vda2";
  EXPECT_NE(unused_option(resume).find("a live resume suspends device-mapper devices"),
            std::string::npos);
  resume.process.lock_memory = true;
  EXPECT_EQ(unused_option(resume), "");
  FlattenOptions flatten;
  EXPECT_NE(unused_option(flatten).find("set ProcessPolicy::lock_memory"), std::string::npos);
  flatten.process.lock_memory = true;
  EXPECT_EQ(unused_option(flatten), "");
}

// An offline run has no use for lock_memory, but it is a permission, not a
// request: allowed, and nothing is locked.
TEST(UnusedOptions, OfflineRunsAllowLockMemory) {
  ConvertOptions options = offline("x.img");
  options.process.lock_memory = true;
  EXPECT_EQ(unused_option(options, Mode::kOffline), "");
  ResumeOptions resume;
  resume.device = "x.img";
  resume.offline = true;
  EXPECT_EQ(unused_option(resume), "");
  resume.process.lock_memory = true;
  EXPECT_EQ(unused_option(resume), "");
}

TEST(UnusedOptions, DeferredSignalNeedsDeferSignals) {
  ConvertOptions options = offline("x.img");
  options.process.deferred_signal = [](int) {};
  EXPECT_NE(unused_option(options).find("deferred_signal is set but defer_signals is not"),
            std::string::npos);
  options.process.defer_signals = true;
  EXPECT_EQ(unused_option(options), "");
  ResumeOptions resume;
  resume.device = "/dev/vda2";
  resume.process.lock_memory = true;
  resume.process.deferred_signal = [](int) {};
  EXPECT_NE(unused_option(resume).find("deferred_signal is set but defer_signals is not"),
            std::string::npos);
  FlattenOptions flatten;
  flatten.process.lock_memory = true;
  flatten.process.deferred_signal = [](int) {};
  EXPECT_NE(unused_option(flatten).find("deferred_signal is set but defer_signals is not"),
            std::string::npos);
}

// The entry points themselves refuse, before they open or ask anything.
TEST(UnusedOptions, EntryPointsRefuseBeforeOpening) {
  const auto quiet = [](const std::string&) {};
  ConvertOptions wrong = live("/nonexistent/x.img");
  const ConvertResult offline_result = convert_offline(wrong, quiet, {});
  EXPECT_EQ(offline_result.status, ConvertStatus::kRefused);
  EXPECT_NE(offline_result.message.find("ConvertOptions::offline is not set"), std::string::npos)
      << offline_result.message;
  ConvertOptions unlocked = live("/nonexistent/vda2");
  unlocked.process.lock_memory = false;
  const ConvertResult live_result = convert_live(unlocked, quiet, {});
  EXPECT_EQ(live_result.status, ConvertStatus::kRefused);
  EXPECT_NE(live_result.message.find("set ProcessPolicy::lock_memory"), std::string::npos)
      << live_result.message;
  ResumeOptions resume;
  resume.device = "/nonexistent/vda2";
  const ConvertResult resume_result = resume_conversion(resume, quiet, {});
  EXPECT_EQ(resume_result.status, ConvertStatus::kRefused);
  EXPECT_NE(resume_result.message.find("set ProcessPolicy::lock_memory"), std::string::npos)
      << resume_result.message;
}

}  // namespace
}  // namespace pv2luks
