#include "system/dracut_conf.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "base/error.h"
#include "system/replace_file.h"

namespace pv2luks {

std::string dracut_conf_path(const std::string& crypttab_path, const std::string& name) {
  const std::filesystem::path crypttab(crypttab_path);
  const std::filesystem::path dir =
      crypttab.has_parent_path() ? crypttab.parent_path() : std::filesystem::path(".");
  return (dir / "dracut.conf.d" / ("90-pv2luks-" + name + ".conf")).string();
}

std::string dracut_conf_text(const std::string& name, const std::string& uuid, bool tpm2) {
  return "# Written by pv2luks for " + name + " (LUKS UUID " + uuid +
         "): dracut unlocks it at boot.\n"
         "# Generic images leave /etc/crypttab out: put it in (systemd mode reads it),\n"
         "# and name the volume for dracut's own cryptroot-ask (without systemd).\n" +
         (tpm2 ? "# tpm2-tss: the TPM that unlocks it (its crypttab line has tpm2-device=).\n"
                 "add_dracutmodules+=\" crypt lvm tpm2-tss \"\n"
               : "add_dracutmodules+=\" crypt lvm \"\n") +
         "install_items+=\" /etc/crypttab \"\n"
         "kernel_cmdline+=\" rd.luks.uuid=" + uuid + " \"\n";
}

bool write_dracut_conf(const std::string& path, const std::string& text) {
  const std::filesystem::path target(path);
  std::error_code error;
  if (!std::filesystem::is_directory(target.parent_path(), error)) {
    Fail() << target.parent_path().string()
           << ": no such directory (is dracut installed?); add the snippet by hand";
  }
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      const std::string have((std::istreambuf_iterator<char>(in)), {});
      if (have == text) return false;
    }
  }
  replace_file(path, text, 0644);
  return true;
}

}  // namespace pv2luks
