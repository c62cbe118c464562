// --tpm2-device's pure parts and files: the recovery key's format (as
// systemd-cryptenroll's), its file, the PCR list, the crypttab line, and
// the offline refusal.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <vector>

#include "convert/unused_options.h"
#include "luks/recovery_key.h"
#include "pv2luks/pv2luks.h"
#include "system/crypttab.h"

namespace pv2luks {
namespace {

std::string format(const std::vector<std::uint8_t>& raw) {
  std::string out(kRecoveryKeyChars, '?');
  format_recovery_key(raw, {out.data(), out.size()});
  return out;
}

TEST(RecoveryKey, ModhexHighNibbleFirstInGroupsOfFourBytes) {
  std::vector<std::uint8_t> raw(32);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 0x11);
  // modhex: 0-15 are c b d e f g h i j k l n r t u v.
  EXPECT_EQ(format(raw).substr(0, 18), "ccbbddee-ffgghhii-");
  raw.assign(32, 0xff);
  EXPECT_EQ(format(raw), "vvvvvvvv-vvvvvvvv-vvvvvvvv-vvvvvvvv-vvvvvvvv-vvvvvvvv-vvvvvvvv-vvvvvvvv");
  raw.assign(32, 0x00);
  raw[31] = 0x5a;
  EXPECT_EQ(format(raw).substr(63), "ccccccgl");
}

TEST(RecoveryKey, WrongSizesAreRefused) {
  std::string out(kRecoveryKeyChars, '?');
  const std::vector<std::uint8_t> short_raw(31);
  EXPECT_ANY_THROW(format_recovery_key(short_raw, {out.data(), out.size()}));
  const std::vector<std::uint8_t> raw(32);
  EXPECT_ANY_THROW(format_recovery_key(raw, {out.data(), out.size() - 1}));
}

TEST(RecoveryKey, NewKeysHaveTheFormatAndDiffer) {
  const std::regex shape("([cbdefghijklnrtuv]{8}-){7}[cbdefghijklnrtuv]{8}");
  std::set<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    const SecureBuffer key = make_recovery_key();
    const std::string text(key.chars(), key.size_bytes());
    EXPECT_TRUE(std::regex_match(text, shape)) << text;
    seen.insert(text);
  }
  EXPECT_EQ(seen.size(), 4u);
}

class KeyDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pv2luks-recovery-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(KeyDir, TheFileIsNewPrivateAndHoldsTheKeyAlone) {
  const std::string file = path("recovery.key");
  EXPECT_EQ(recovery_key_file_problem(file), "");
  const SecureBuffer key = make_recovery_key();
  write_recovery_key_file(file, key);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, std::string(key.chars(), key.size_bytes()));
  // Never overwritten, and refused before anything is written.
  EXPECT_NE(recovery_key_file_problem(file).find("the file exists"), std::string::npos);
  EXPECT_ANY_THROW(write_recovery_key_file(file, key));
}

TEST_F(KeyDir, NoPathALinkOrNoDirectoryAreRefused) {
  EXPECT_NE(recovery_key_file_problem("").find("needs --recovery-key-file"), std::string::npos);
  const std::string link = path("link");
  std::filesystem::create_symlink(path("target"), link);  // dangling: still refused
  EXPECT_NE(recovery_key_file_problem(link).find("the file exists"), std::string::npos);
  EXPECT_ANY_THROW(write_recovery_key_file(link, make_recovery_key()));
  EXPECT_FALSE(std::filesystem::exists(path("target")));
  EXPECT_NE(recovery_key_file_problem(path("no/such/dir/key")).find("no directory"),
            std::string::npos);
}

TEST(Tpm2Pcrs, ListsAsSystemdCryptenrollTakesThem) {
  for (const char* good : {"", "7", "0+7", "0+2+4+7+23"}) EXPECT_TRUE(valid_tpm2_pcrs(good)) << good;
  for (const char* bad : {"24", "7+", "+7", "a", "7,8", "007", "-1", "7++8"}) {
    EXPECT_FALSE(valid_tpm2_pcrs(bad)) << bad;
  }
}

TEST(Tpm2Crypttab, TheLineAsksForTheTpm) {
  EXPECT_EQ(crypttab_line("vda2_crypt", "0d8c-11", true),
            "vda2_crypt UUID=0d8c-11 none luks,tpm2-device=auto");
}

TEST(Tpm2Offline, AnImageIsNotEnrolledWithThisMachinesTpm) {
  ConvertOptions options;
  options.device = "x.img";
  options.offline = true;
  EXPECT_EQ(unused_option(options), "");
  options.tpm2_device = "auto";
  EXPECT_NE(unused_option(options).find("are for live conversions"), std::string::npos);
  options.tpm2_device.clear();
  options.recovery_key_file = "k";
  EXPECT_NE(unused_option(options).find("are for live conversions"), std::string::npos);
}

}  // namespace
}  // namespace pv2luks
