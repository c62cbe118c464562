#include "live/tpm2_checks.h"

#include <filesystem>

#include "base/error.h"
#include "luks/recovery_key.h"
#include "luks/tpm2_enrol.h"
#include "system/initramfs_tool.h"
#include "system/mount_holder.h"

namespace pv2luks {

std::string initramfs_tpm2_problem(const std::string& root) {
  std::error_code ec;
  switch (detect_initramfs_tool(root)) {
    case InitramfsTool::Dracut:
      // tpm2-tss is only installable with tpm2-tools' `tpm2` (its check()).
      if (std::filesystem::is_directory(root + "/usr/lib/dracut/modules.d/91tpm2-tss", ec) &&
          std::filesystem::exists(root + "/usr/bin/tpm2", ec)) {
        return "";
      }
      return "dracut builds the initramfs, but without its tpm2-tss module (and tpm2-tools, "
             "which it needs) it cannot reach the TPM at boot: install tpm2-tools (Debian), "
             "rebuild the initramfs (dracut -f --regenerate-all) and convert again";
    case InitramfsTool::InitramfsTools:
      return "initramfs-tools builds the initramfs, and its cryptroot script cannot unlock by "
             "TPM (it reads no systemd-tpm2 token): switch to dracut (apt install dracut "
             "tpm2-tools) and convert again, or convert with a passphrase (--key-file)";
    case InitramfsTool::Unknown:
      break;
  }
  return "which tool builds the initramfs is unclear (both or neither of initramfs-tools and "
         "dracut set up): make dracut with its tpm2-tss module the one, or convert with a "
         "passphrase (--key-file)";
}

void refuse_tpm2_problems(const ConvertOptions& options, dev_t rdev) {
  if (options.tpm2_device.empty()) {
    if (!options.recovery_key_file.empty()) {
      Fail() << "--recovery-key-file goes with --tpm2-device (with a passphrase there is no "
                "recovery key to write)";
    }
    return;
  }
  if (options.type != LuksVersion::kLuks2) {
    Fail() << "--tpm2-device needs LUKS2 (its tokens hold the TPM's sealed key): drop --type luks1";
  }
  if (options.key_file) {
    Fail() << "--tpm2-device and --key-file: with a TPM nobody types a passphrase; keyslot 0 "
              "opens with the recovery key pv2luks makes. Drop --key-file";
  }
  if (std::string problem = recovery_key_file_problem(options.recovery_key_file);
      !problem.empty()) {
    Fail() << problem;
  }
  if (std::string problem = tpm2_problem({options.tpm2_device, options.tpm2_pcrs});
      !problem.empty()) {
    Fail() << problem;
  }
  for (const char* path : {"/", "/usr"}) {
    if (!holds_mount(rdev, path)) continue;
    if (std::string problem = initramfs_tpm2_problem(); !problem.empty()) {
      Fail() << options.device << " holds the running " << path
             << ", which the next boot must unlock before anything else, and " << problem;
    }
  }
}

}  // namespace pv2luks
