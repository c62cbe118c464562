// Telling LVM where the PV went: after the conversion its label is read
// through the opened LUKS device, not the partition. When LVM's devices file
// is in use it must list the new device, or LVM stops seeing the PV; the
// record that udev's pvscan kept of the PV on the partition must go, or LVM
// calls the new device a duplicate; and event-based activation wants a
// pvscan of the new device.
#pragma once

#include <string>
#include <vector>

namespace pv2luks {

struct LvmRefresh {
  std::vector<std::string> done;      // what was run, for the user
  std::vector<std::string> problems;  // what failed, with the command to run by hand
};

// "use_devicesfile=1" and devicesfile="NAME" from `lvmconfig` output: the
// devices file's name when LVM uses one, else "". Pure.
std::string devices_file_in_use(const std::string& lvmconfig_output);

// Updates the devices file (when in use) from old_device to new_device and
// runs `pvscan --cache` (every device). Never throws: problems are reported.
LvmRefresh refresh_lvm(const std::string& old_device, const std::string& new_device);

}  // namespace pv2luks
