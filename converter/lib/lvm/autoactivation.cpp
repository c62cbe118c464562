#include "lvm/autoactivation.h"

#include "base/error.h"
#include "base/process.h"
#include "base/words.h"
#include "lvm/vg_tags.h"

namespace pv2luks {

const char kVgActivationFields[] = "vg_name,vg_autoactivation,vg_tags";

namespace {

// Without LVM's devices file: at the finish it still names the partition
// (pv2luks updates it afterwards), and the PV is on the crypt device.
const char kNoDevicesFile[] = "--devicesfile=";

}  // namespace

VgActivation parse_vg_activation(const std::string& pvs_line) {
  // "  vg:enabled:tag1,tag2" (a tag may itself hold ':', so it is split twice)
  const std::size_t first = pvs_line.find(':');
  const std::size_t second = first == std::string::npos ? first : pvs_line.find(':', first + 1);
  if (second == std::string::npos) Fail() << "pvs report: expected " << kVgActivationFields
                                          << ", got '" << pvs_line << "'";
  VgActivation vg;
  const std::vector<std::string> name = words_of(pvs_line.substr(0, first));
  if (name.size() != 1) Fail() << "pvs report: no VG name in '" << pvs_line << "'";
  vg.vg = name.front();
  const std::vector<std::string> setting = words_of(pvs_line.substr(first + 1, second - first - 1));
  vg.autoactivation = setting.size() == 1 && setting.front() == "enabled";
  vg.converting_tag = tags_include(pvs_line.substr(second + 1), kConvertingTag);
  return vg;
}

VgActivation read_vg_activation(const std::string& pv_device) {
  return parse_vg_activation(run_checked(
      {"pvs", kNoDevicesFile, "--noheadings", "--separator", ":", "-o", kVgActivationFields,
       pv_device}));
}

std::vector<std::string> autoactivation_off_command(const VgActivation& vg) {
  if (!vg.autoactivation) return {};
  return {"vgchange", kNoDevicesFile, "--quiet", "--setautoactivation", "n",
          "--addtag", kConvertingTag, vg.vg};
}

std::vector<std::string> autoactivation_restore_command(const VgActivation& vg) {
  if (!vg.converting_tag) return {};
  return {"vgchange", kNoDevicesFile, "--quiet", "--setautoactivation", "y",
          "--deltag", kConvertingTag, vg.vg};
}

std::string restore_autoactivation(const std::string& pv_device) {
  const std::vector<std::string> command =
      autoactivation_restore_command(read_vg_activation(pv_device));
  if (command.empty()) return "";
  run_checked(command);
  return command_line(command);
}

}  // namespace pv2luks
