// --guest-config's pure rules: which guests are configured, refused or left
// alone (and what the notes say), mount order, the passphrase as a C string,
// reading an initramfs's crypttab.
#include <gtest/gtest.h>

#include <cstring>

#include "base/error.h"
#include "guest_facts_fixture.h"
#include "offline/guest_rules.h"
#include "system/recovery_initramfs.h"

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

TEST(GuestRules, DebianWithInitramfsToolsIsConfiguredWithIt) {
  EXPECT_EQ(decide_guest(debian(), kName, kUuid).tool, InitramfsTool::InitramfsTools);
  // Detection unsure (both tools, no kernel hook): Debian's rules as before.
  GuestFacts unsure = debian();
  unsure.initramfs_tool = InitramfsTool::Unknown;
  const GuestDecision decision = decide_guest(unsure, kName, kUuid);
  EXPECT_TRUE(decision.configure);
  EXPECT_EQ(decision.tool, InitramfsTool::InitramfsTools);
}

TEST(GuestRules, DracutGuestsAreConfiguredWithDracut) {
  const GuestDecision debian_dracut = decide_guest(debian_dracut_guest(), kName, kUuid);
  EXPECT_TRUE(debian_dracut.configure);
  EXPECT_EQ(debian_dracut.tool, InitramfsTool::Dracut);
  EXPECT_TRUE(debian_dracut.refusal.empty());
  EXPECT_TRUE(debian_dracut.notes.empty());
  GuestFacts fedora = debian_dracut_guest();
  fedora.distro = "fedora";
  fedora.product = "Fedora Linux 40";
  fedora.os_release = "ID=fedora\n";
  EXPECT_EQ(decide_guest(fedora, kName, kUuid).tool, InitramfsTool::Dracut);
  // Negative control: initramfs-tools left behind does not win over dracut.
  GuestFacts leftovers = debian_dracut_guest();
  leftovers.has_update_initramfs = true;
  EXPECT_EQ(decide_guest(leftovers, kName, kUuid).tool, InitramfsTool::Dracut);
}

TEST(GuestRules, DracutGuestWithoutCryptsetupIsRefused) {
  GuestFacts facts = debian_dracut_guest();
  facts.has_dracut_crypt = false;
  const GuestDecision decision = decide_guest(facts, kName, kUuid);
  EXPECT_FALSE(decision.configure);
  EXPECT_TRUE(contains(decision.refusal, "whose initramfs dracut builds")) << decision.refusal;
  EXPECT_TRUE(contains(decision.refusal, "install cryptsetup inside the guest first"))
      << decision.refusal;
}

TEST(GuestRules, LsinitrdListingShowsCryptsetup) {
  const std::string listing =
      "drwxr-xr-x  2 root root 0 Dec  3 15:00 usr/sbin\n"
      "-rwxr-xr-x  1 root root 146904 Dec  3 15:00 usr/sbin/cryptsetup\n";
  EXPECT_TRUE(initramfs_listing_has_cryptsetup(listing));
  EXPECT_TRUE(initramfs_listing_has_cryptsetup(
      "lrwxrwxrwx 1 root root 7 Dec 3 15:00 sbin/cryptsetup -> ../usr/sbin/cryptsetup\n"));
  // Debian 12's dracut in systemd mode, without pv2luks's module.
  EXPECT_TRUE(initramfs_listing_has_cryptsetup(
      "-rwxr-xr-x 1 root root 72344 Apr 27 2026 usr/lib/systemd/systemd-cryptsetup\n"));
  // Negative controls: near names, module files, nothing.
  EXPECT_FALSE(initramfs_listing_has_cryptsetup(
      "-rwxr-xr-x 1 root root 1 Dec 3 15:00 usr/lib/systemd/system-generators/"
      "systemd-cryptsetup-generator\n"
      "-rw-r--r-- 1 root root 1 Dec 3 15:00 usr/sbin/cryptsetup-reencrypt\n"
      "-rw-r--r-- 1 root root 1 Dec 3 15:00 usr/lib/dracut/modules.d/90crypt/cryptsetup.sh\n"
      "lrwxrwxrwx 1 root root 7 Dec 3 15:00 sbin/cs -> ../usr/sbin/cryptsetup\n"));
  EXPECT_FALSE(initramfs_listing_has_cryptsetup(""));
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
