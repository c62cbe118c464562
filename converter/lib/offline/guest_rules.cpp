#include "offline/guest_rules.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <vector>

#include "base/error.h"
#include "base/key_value.h"
#include "system/initramfs_advice.h"

namespace pv2luks {

namespace {

bool debian_like(const GuestFacts& facts) {
  return facts.distro == "debian" || facts.distro == "ubuntu" ||
         os_release_is_like(facts.os_release, "debian") ||
         os_release_is_like(facts.os_release, "ubuntu");
}

std::string guest_name(const GuestFacts& facts) {
  const std::string product = facts.product.empty() || facts.product == "unknown"
                                  ? "an unrecognised Linux"
                                  : facts.product;
  return product + " (libguestfs: " + (facts.distro.empty() ? "unknown" : facts.distro) + ")";
}

std::size_t depth(const std::string& mountpoint) {
  if (mountpoint == "/") return 0;
  return static_cast<std::size_t>(std::count(mountpoint.begin(), mountpoint.end(), '/'));
}

}  // namespace

GuestDecision decide_guest(const GuestFacts& facts, const std::string& name,
                           const std::string& uuid) {
  GuestDecision decision;
  const std::string guest = "the guest is " + guest_name(facts);
  if (facts.initramfs_tool == InitramfsTool::Dracut) {
    if (!facts.has_dracut_crypt) {
      decision.refusal = guest + ", whose initramfs dracut builds, without dracut's crypt "
                         "module or cryptsetup: its initramfs could not unlock the LUKS "
                         "volume, so it would not boot, and packages cannot be installed "
                         "offline; install cryptsetup inside the guest first";
    } else {
      decision.configure = true;
      decision.tool = InitramfsTool::Dracut;
    }
    return decision;
  }
  if (debian_like(facts)) {
    if (!facts.has_update_initramfs) {
      decision.refusal = guest + ", but it has no update-initramfs (initramfs-tools): "
                         "--guest-config cannot rebuild its initramfs; configure the guest "
                         "by hand";
    } else if (!facts.has_cryptroot_hook) {
      decision.refusal = guest + " without cryptsetup-initramfs: its initramfs could not "
                         "unlock the LUKS volume, so it would not boot, and packages cannot "
                         "be installed offline; install it inside the guest first ('apt-get "
                         "install cryptsetup-initramfs')";
    } else {
      decision.configure = true;
      decision.tool = InitramfsTool::InitramfsTools;
    }
    return decision;
  }
  decision.notes.push_back(guest + ": --guest-config configures Debian and Ubuntu guests "
                           "only, so nothing was changed inside it: the crypttab line was "
                           "NOT added to its /etc/crypttab and its initramfs was NOT rebuilt "
                           "(no dracut, no mkinitcpio run); it will not boot from the "
                           "converted volume until that is done");
  decision.notes.push_back("inside the guest (from a rescue system, since it cannot boot "
                           "yet): " + initramfs_advice(facts.os_release, name, uuid));
  return decision;
}

std::vector<std::pair<std::string, std::string>> mount_order(
    std::vector<std::pair<std::string, std::string>> mountpoints) {
  std::stable_sort(mountpoints.begin(), mountpoints.end(), [](const auto& a, const auto& b) {
    if (depth(a.first) != depth(b.first)) return depth(a.first) < depth(b.first);
    return a.first < b.first;
  });
  return mountpoints;
}

SecureBuffer passphrase_c_string(const SecureBuffer& passphrase) {
  if (std::memchr(passphrase.data(), '\0', passphrase.size_bytes()) != nullptr) {
    Fail() << "--guest-config: the passphrase holds a NUL byte, which libguestfs cannot pass "
              "on; use a passphrase without one, or convert without --guest-config";
  }
  SecureBuffer out(passphrase.size_bytes() + 1);
  std::memcpy(out.data(), passphrase.data(), passphrase.size_bytes());
  return out;
}

bool initramfs_crypttab_lists(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string first;
    if (fields >> first && first == name) return true;
  }
  return false;
}

std::string vg_of_lv_device(const std::string& device) {
  const std::string prefix = "/dev/";
  if (device.rfind(prefix, 0) != 0) return "";
  const std::string rest = device.substr(prefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || rest.find('/', slash + 1) != std::string::npos) {
    return "";
  }
  const std::string vg = rest.substr(0, slash);
  if (vg == "mapper" || vg == "disk" || vg == "md") return "";
  return vg;
}

}  // namespace pv2luks
