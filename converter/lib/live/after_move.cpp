#include "live/after_move.h"

#include "base/error.h"
#include "system/crypttab.h"
#include "system/initramfs_advice.h"
#include "system/lvm_refresh.h"

namespace pv2luks {

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
