// The pure rules of --guest-config: which guests pv2luks configures and what it
// tells the user for the others, the order the guest's file systems mount in,
// the passphrase as the C string libguestfs takes, and reading the crypttab
// that update-initramfs put into an initramfs. No libguestfs here: the
// appliance work is pv2luks-guest-config's (converter/guestfs/guest_inside.h).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/secure_buffer.h"
#include "system/initramfs_tool.h"

namespace pv2luks {

// What inspection found in the guest.
struct GuestFacts {
  std::string root;        // the guest root's device in the appliance, "/dev/vg/root"
  std::string distro;      // libguestfs's name: "debian", "ubuntu", "fedora", "unknown"
  std::string product;     // "Debian GNU/Linux 12 (bookworm)"
  std::string os_release;  // the text of the guest's /etc/os-release ("" when missing)
  bool has_update_initramfs = false;  // /usr/sbin/update-initramfs (initramfs-tools)
  bool has_cryptroot_hook = false;    // initramfs-tools' cryptroot hook (cryptsetup-initramfs)
  // detect_initramfs_tool_with over the guest's files (system/initramfs_tool.h)
  InitramfsTool initramfs_tool = InitramfsTool::Unknown;
  // dracut's crypt module (90crypt) and what it needs to be included: the
  // cryptsetup binary or systemd's systemd-cryptsetup
  bool has_dracut_crypt = false;

  bool operator==(const GuestFacts&) const = default;
};

struct GuestDecision {
  bool configure = false;  // add the crypttab line and rebuild the initramfs inside
  // with which tool, when configure: InitramfsTools (update-initramfs) or
  // Dracut (the dracut.conf.d snippet, dracut -f --regenerate-all)
  InitramfsTool tool = InitramfsTool::Unknown;
  std::string refusal;     // set: refuse the conversion (nothing written yet)
  std::vector<std::string> notes;  // what was not done and what to do instead
};

// A guest whose initramfs dracut builds (any distribution) is configured
// with dracut when it has dracut's crypt module and cryptsetup, and refused
// without them. Otherwise, a Debian or Ubuntu guest (or one whose os-release
// says it is like them) with cryptsetup-initramfs is configured with
// initramfs-tools; one without it is refused, since its initramfs could not
// unlock the volume and nothing can be installed offline. Any other guest is
// left as it is, with notes saying exactly what was not done and what its
// own tools need. `name` and `uuid` are the crypttab
// line's.
GuestDecision decide_guest(const GuestFacts& facts, const std::string& name,
                           const std::string& uuid);

// libguestfs's mountpoint pairs (mountpoint, device) in mount order: parents
// before children ("/" before "/boot" before "/boot/efi").
std::vector<std::pair<std::string, std::string>> mount_order(
    std::vector<std::pair<std::string, std::string>> mountpoints);

// The passphrase followed by a NUL, as libguestfs's `const char *key` takes
// it. An Error when it holds a NUL byte itself: such a passphrase cannot pass
// through libguestfs.
SecureBuffer passphrase_c_string(const SecureBuffer& passphrase);

// Whether an initramfs's cryptroot/crypttab text has an entry named `name`.
// Also for dracut's images: their /etc/crypttab has the same form.
bool initramfs_crypttab_lists(const std::string& text, const std::string& name);


// "/dev/VG/LV" -> "VG"; "" for other devices ("/dev/sda1").
std::string vg_of_lv_device(const std::string& device);

}  // namespace pv2luks
