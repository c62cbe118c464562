#include "system/initramfs_advice.h"

#include "base/key_value.h"
#include "base/words.h"

#include <fstream>

namespace pv2luks {

bool os_release_is_like(const std::string& os_release, const std::string& family) {
  for (const std::string& id :
       words_of(key_value(os_release, "ID") + " " + key_value(os_release, "ID_LIKE"))) {
    if (id == family) return true;
  }
  return false;
}

std::string initramfs_advice(const std::string& os_release, const std::string& name,
                             const std::string& uuid) {
  const std::string why =
      "before the next boot, the initramfs must unlock " + name + " before LVM looks for the PV: ";
  if (os_release_is_like(os_release, "debian") || os_release_is_like(os_release, "ubuntu")) {
    return why + "install cryptsetup-initramfs, keep the crypttab line, then run "
                 "'update-initramfs -u -k all'";
  }
  if (os_release_is_like(os_release, "fedora") || os_release_is_like(os_release, "rhel") ||
      os_release_is_like(os_release, "suse")) {
    return why + "keep the crypttab line, add rd.luks.uuid=" + uuid +
           " to the kernel command line, then run 'dracut -f --regenerate-all'";
  }
  if (os_release_is_like(os_release, "arch")) {
    return why + "add the sd-encrypt hook before lvm2 in /etc/mkinitcpio.conf, add "
                 "rd.luks.name=" + uuid + "=" + name +
           " to the kernel command line, then run 'mkinitcpio -P'";
  }
  return why + "add cryptsetup to the initramfs with this crypttab line and rebuild it with "
               "the distribution's tool";
}

std::string initramfs_advice_here(const std::string& name, const std::string& uuid) {
  std::ifstream in("/etc/os-release");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  return initramfs_advice(text, name, uuid);
}

}  // namespace pv2luks
