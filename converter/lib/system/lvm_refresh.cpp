#include "system/lvm_refresh.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "base/error.h"
#include "base/key_value.h"
#include "base/process.h"

namespace pv2luks {

namespace {

// Where LVM keeps its devices files: $LVM_SYSTEM_DIR/devices, as lvm does.
std::filesystem::path devices_dir() {
  const char* system_dir = std::getenv("LVM_SYSTEM_DIR");
  return std::filesystem::path(system_dir && *system_dir ? system_dir : "/etc/lvm") / "devices";
}

void run_step(LvmRefresh& refresh, const std::vector<std::string>& argv) {
  try {
    const ProcessResult result = run_process(argv);
    if (result.exit_code == 0) {
      refresh.done.push_back(command_line(argv));
      return;
    }
    refresh.problems.push_back(command_line(argv) + " failed (" + result.err +
                               "); run it by hand");
  } catch (const Error& e) {
    refresh.problems.push_back(std::string(e.what()) + "; run " + command_line(argv) + " by hand");
  }
}

}  // namespace

std::string devices_file_in_use(const std::string& lvmconfig_output) {
  if (key_value(lvmconfig_output, "use_devicesfile") != "1") return "";
  return key_value(lvmconfig_output, "devicesfile");
}

LvmRefresh refresh_lvm(const std::string& old_device, const std::string& new_device) {
  LvmRefresh refresh;
  std::string file;
  try {
    file = devices_file_in_use(run_checked(
        {"lvmconfig", "--typeconfig", "full", "devices/use_devicesfile", "devices/devicesfile"}));
  } catch (const Error& e) {
    refresh.problems.push_back(std::string("could not ask lvmconfig about a devices file: ") +
                               e.what());
  }
  // LVM ignores a devices file that does not exist.
  if (!file.empty() && std::filesystem::exists(devices_dir() / file)) {
    run_step(refresh, {"lvm", "lvmdevices", "--yes", "--adddev", new_device});
    run_step(refresh, {"lvm", "lvmdevices", "--yes", "--deldev", old_device});
  }
  // The boot's udev rules recorded the PV as online on the partition, and
  // `pvscan --cache DEVICE` of the partition (LUKS now) keeps that record,
  // so a pvscan of the crypt device alone calls it a duplicate. Without a
  // device, pvscan clears every online record and scans again.
  run_step(refresh, {"pvscan", "--cache"});
  return refresh;
}

}  // namespace pv2luks
