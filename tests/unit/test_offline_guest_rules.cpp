// --guest-config's pure rules: which guests are configured, refused or left
// alone (and what the notes say), mount order, the passphrase as a C string,
// reading an initramfs's crypttab.
#include <gtest/gtest.h>

#include <cstring>

#include "base/error.h"
#include "guest_facts_fixture.h"
#include "offline/guest_rules.h"

namespace pv2luks {
namespace {

const std::string kName = "luks-1111-22";
const std::string kUuid = "1111-22";

GuestFacts debian() { return debian_guest(); }

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(GuestRules, DebianWithCryptsetupInitramfsIsConfigured) {
  const GuestDecision decision = decide_guest(debian(), kName, kUuid);
  EXPECT_TRUE(decision.configure);
  EXPECT_TRUE(decision.refusal.empty());
  EXPECT_TRUE(decision.notes.empty());
}

TEST(GuestRules, UbuntuAndDebianDerivativesAreConfiguredToo) {
  GuestFacts ubuntu = debian();
  ubuntu.distro = "ubuntu";
  ubuntu.os_release = "ID=ubuntu\nID_LIKE=debian\n";
  EXPECT_TRUE(decide_guest(ubuntu, kName, kUuid).configure);
  GuestFacts mint = debian();
  mint.distro = "linuxmint";
  mint.os_release = "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n";
  EXPECT_TRUE(decide_guest(mint, kName, kUuid).configure);
}

TEST(GuestRules, DebianWithoutCryptsetupInitramfsIsRefused) {
  GuestFacts facts = debian();
  facts.has_cryptroot_hook = false;
  const GuestDecision decision = decide_guest(facts, kName, kUuid);
  EXPECT_FALSE(decision.configure);
  EXPECT_TRUE(contains(decision.refusal, "apt-get install cryptsetup-initramfs"))
      << decision.refusal;
  EXPECT_TRUE(contains(decision.refusal, "Debian GNU/Linux 12")) << decision.refusal;
}

TEST(GuestRules, DebianWithoutUpdateInitramfsIsRefused) {
  GuestFacts facts = debian();
  facts.has_update_initramfs = false;
  const GuestDecision decision = decide_guest(facts, kName, kUuid);
  EXPECT_FALSE(decision.configure);
  EXPECT_TRUE(contains(decision.refusal, "update-initramfs")) << decision.refusal;
}

TEST(GuestRules, OtherGuestsAreLeftAloneWithNotesSayingWhatWasNotDone) {
  GuestFacts fedora;
  fedora.root = "/dev/fedora/root";
  fedora.distro = "fedora";
  fedora.product = "Fedora Linux 40";
  fedora.os_release = "ID=fedora\n";
  const GuestDecision decision = decide_guest(fedora, kName, kUuid);
  EXPECT_FALSE(decision.configure);
  EXPECT_TRUE(decision.refusal.empty());
  ASSERT_EQ(decision.notes.size(), 2u);
  EXPECT_TRUE(contains(decision.notes[0], "Fedora Linux 40"));
  EXPECT_TRUE(contains(decision.notes[0], "NOT added to its /etc/crypttab"));
  EXPECT_TRUE(contains(decision.notes[0], "NOT rebuilt"));
  EXPECT_TRUE(contains(decision.notes[1], "dracut -f --regenerate-all")) << decision.notes[1];
  EXPECT_TRUE(contains(decision.notes[1], "rd.luks.uuid=" + kUuid)) << decision.notes[1];
}

TEST(GuestRules, DebianPackagesOnAnotherDistributionDoNotMakeItDebian) {
  GuestFacts arch = debian();
  arch.distro = "archlinux";
  arch.product = "Arch Linux";
  arch.os_release = "ID=arch\n";
  const GuestDecision decision = decide_guest(arch, kName, kUuid);
  EXPECT_FALSE(decision.configure);
  ASSERT_EQ(decision.notes.size(), 2u);
  EXPECT_TRUE(contains(decision.notes[1], "mkinitcpio -P")) << decision.notes[1];
}

TEST(GuestRules, MountOrderPutsParentsFirst) {
  const auto order = mount_order({{"/boot/efi", "/dev/sda1"},
                                  {"/var", "/dev/vg/var"},
                                  {"/boot", "/dev/sda2"},
                                  {"/", "/dev/vg/root"}});
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0].first, "/");
  EXPECT_EQ(order[1].first, "/boot");
  EXPECT_EQ(order[2].first, "/var");
  EXPECT_EQ(order[3].first, "/boot/efi");
  EXPECT_EQ(order[3].second, "/dev/sda1");
}

TEST(GuestRules, PassphraseBecomesANulTerminatedCopy) {
  test_hooks::allow_unlocked_memory(true);  // a test host may have a tiny mlock limit
  SecureBuffer passphrase(3);
  std::memcpy(passphrase.data(), "p\nw", 3);
  const SecureBuffer c_string = passphrase_c_string(passphrase);
  ASSERT_EQ(c_string.size_bytes(), 4u);
  EXPECT_EQ(std::memcmp(c_string.data(), "p\nw", 4), 0);  // the newline stays: key files keep it
  EXPECT_EQ(std::strlen(c_string.chars()), 3u);
}

TEST(GuestRules, PassphraseWithANulIsRefused) {
  test_hooks::allow_unlocked_memory(true);
  SecureBuffer passphrase(3);
  std::memcpy(passphrase.data(), "a\0b", 3);
  EXPECT_THROW(passphrase_c_string(passphrase), Error);
}

TEST(GuestRules, InitramfsCrypttabIsReadByName) {
  const std::string text = "other UUID=9 none luks\n" + kName + " UUID=" + kUuid + " none luks\n";
  EXPECT_TRUE(initramfs_crypttab_lists(text, kName));
  EXPECT_FALSE(initramfs_crypttab_lists("other UUID=9 none luks\n", kName));
  EXPECT_FALSE(initramfs_crypttab_lists("", kName));
  // A UUID elsewhere on a line is not the name.
  EXPECT_FALSE(initramfs_crypttab_lists("x " + kName + " none luks\n", kName));
}

TEST(GuestRules, VgOfLvDevice) {
  EXPECT_EQ(vg_of_lv_device("/dev/guestvg/root"), "guestvg");
  EXPECT_EQ(vg_of_lv_device("/dev/sda1"), "");
  EXPECT_EQ(vg_of_lv_device("/dev/mapper/guestvg-root"), "");
  EXPECT_EQ(vg_of_lv_device("/dev/disk/by-uuid"), "");
  EXPECT_EQ(vg_of_lv_device("/dev/a/b/c"), "");
  EXPECT_EQ(vg_of_lv_device("btrfsvol:/dev/sda2/root"), "");
}

}  // namespace
}  // namespace pv2luks
