#include "live/after_move.h"

#include "base/error.h"
#include "system/crypttab.h"
#include "system/dracut_conf.h"
#include "system/initramfs_tool.h"
#include "system/initramfs_advice.h"
#include "system/lvm_refresh.h"

namespace pv2luks {

namespace {

// dracut leaves /etc/crypttab out of generic images: the snippet beside it
// puts it in (system/dracut_conf.h), with the TPM's module when the line
// names one (as dracut's crypt module decides from the crypttab).
std::string update_dracut_conf(const std::string& crypttab_path, const std::string& mapping,
                               const std::string& uuid, const std::string& crypttab) {
  const std::string path = dracut_conf_path(crypttab_path, mapping);
  const bool tpm2 = crypttab.find("tpm2-device=") != std::string::npos;
  try {
    return write_dracut_conf(path, dracut_conf_text(mapping, uuid, tpm2))
               ? "wrote " + path + " (dracut puts the crypttab line into the initramfs)"
               : path + " already asked dracut for the crypttab line";
  } catch (const Error& e) {
    return std::string("could not write ") + path + ": " + e.what();
  }
}

}  // namespace

std::vector<std::string> after_move(const ConvertOptions& options, const std::string& mapping,
                                    const std::string& uuid, const std::string& crypttab) {
  std::vector<std::string> lines;
  if (options.update_crypttab) {
    try {
      lines.push_back(add_to_crypttab(options.crypttab_path, crypttab)
                          ? "added the crypttab line to " + options.crypttab_path
                          : options.crypttab_path + " already had the crypttab line");
    } catch (const Error& e) {
      lines.push_back(std::string("could not update ") + options.crypttab_path + ": " + e.what() +
                      "; add the crypttab line by hand");
    }
    if (detect_initramfs_tool("/") == InitramfsTool::Dracut) {
      lines.push_back(update_dracut_conf(options.crypttab_path, mapping, uuid, crypttab));
    }
  } else {
    lines.push_back("add the crypttab line to " + options.crypttab_path +
                    " (or run with --update-crypttab)");
  }
  const LvmRefresh refresh = refresh_lvm(options.device, "/dev/mapper/" + mapping);
  for (const std::string& done : refresh.done) lines.push_back("ran: " + done);
  for (const std::string& problem : refresh.problems) lines.push_back(problem);
  lines.push_back(initramfs_advice_here(mapping, uuid));
  return lines;
}

}  // namespace pv2luks
