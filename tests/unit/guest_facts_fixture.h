// For unit tests: the facts --guest-config's probe finds in a Debian 12
// guest with update-initramfs and cryptsetup-initramfs, and one with dracut.
#pragma once

#include "offline/guest_rules.h"

namespace pv2luks {

inline GuestFacts debian_guest() {
  GuestFacts facts;
  facts.root = "/dev/guestvg/root";
  facts.distro = "debian";
  facts.product = "Debian GNU/Linux 12 (bookworm)";
  facts.os_release = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
  facts.has_update_initramfs = true;
  facts.has_cryptroot_hook = true;
  facts.initramfs_tool = InitramfsTool::InitramfsTools;
  return facts;
}

// A Debian 12 guest whose initramfs dracut builds (dracut replaced
// initramfs-tools), with cryptsetup.
inline GuestFacts debian_dracut_guest() {
  GuestFacts facts = debian_guest();
  facts.has_update_initramfs = false;
  facts.has_cryptroot_hook = false;
  facts.initramfs_tool = InitramfsTool::Dracut;
  facts.has_dracut_crypt = true;
  return facts;
}

}  // namespace pv2luks
