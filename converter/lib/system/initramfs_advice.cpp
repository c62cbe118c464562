#include "system/initramfs_advice.h"

#include "base/key_value.h"
#include "base/words.h"
#include "system/dracut_conf.h"

#include <fstream>

namespace pv2luks {

bool os_release_is_like(const std::string& os_release, const std::string& family) {
  for (const std::string& id :
       words_of(key_value(os_release, "ID") + " " + key_value(os_release, "ID_LIKE"))) {
    if (id == family) return true;
  }
  return false;
}

namespace {

std::string why(const std::string& name) {
  return "before the next boot, the initramfs must unlock " + name + " before LVM looks for the PV: ";
}

std::string initramfs_tools_advice(const std::string& name) {
  return why(name) + "install cryptsetup-initramfs, keep the crypttab line, then run "
                     "'update-initramfs -u -k all'";
}

std::string dracut_advice(const std::string& name, const std::string& uuid) {
  return why(name) + "keep the crypttab line and " + dracut_conf_path("/etc/crypttab", name) +
         " (--update-crypttab writes both; the file puts /etc/crypttab and rd.luks.uuid=" + uuid +
         " into the initramfs, which dracut builds without them unless host-only), then run "
         "'dracut -f --regenerate-all'";
}

}  // namespace

std::string initramfs_advice(const std::string& os_release, const std::string& name,
                             const std::string& uuid) {
  if (os_release_is_like(os_release, "debian") || os_release_is_like(os_release, "ubuntu")) {
    return initramfs_tools_advice(name);
  }
  if (os_release_is_like(os_release, "fedora") || os_release_is_like(os_release, "rhel") ||
      os_release_is_like(os_release, "suse")) {
    return why(name) + "keep the crypttab line, add rd.luks.uuid=" + uuid +
           " to the kernel command line, then run 'dracut -f --regenerate-all'";
  }
  if (os_release_is_like(os_release, "arch")) {
    return why(name) + "add the sd-encrypt hook before lvm2 in /etc/mkinitcpio.conf, add "
                 "rd.luks.name=" + uuid + "=" + name +
           " to the kernel command line, then run 'mkinitcpio -P'";
  }
  return why(name) + "add cryptsetup to the initramfs with this crypttab line and rebuild it with "
               "the distribution's tool";
}

std::string initramfs_advice(InitramfsTool tool, const std::string& os_release,
                             const std::string& name, const std::string& uuid) {
  switch (tool) {
    case InitramfsTool::InitramfsTools: return initramfs_tools_advice(name);
    case InitramfsTool::Dracut: return dracut_advice(name, uuid);
    case InitramfsTool::Unknown: break;
  }
  return initramfs_advice(os_release, name, uuid);
}

std::string initramfs_advice_here(const std::string& name, const std::string& uuid) {
  std::ifstream in("/etc/os-release");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  return initramfs_advice(detect_initramfs_tool("/"), text, name, uuid);
}

}  // namespace pv2luks
