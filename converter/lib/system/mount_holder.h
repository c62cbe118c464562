// Whether a block device lies under the file system mounted at a path: the
// file system's device and, through sysfs's slaves/ links, every device
// below it (an LV, the PV under it, a dm layer between them).
#pragma once

#include <sys/types.h>

#include <string>

namespace pv2luks {

// Whether `device` (a block device's number) is the device of the file
// system holding `path`, or a device somewhere below it in the stack that
// sysfs (under `sysfs`, normally "/sys") describes. A path that cannot be
// read holds nothing.
bool holds_mount(dev_t device, const std::string& path, const std::string& sysfs = "/sys");

// The same test from the top device down: whether `device` is `top` or
// lies below it.
bool lies_below(dev_t device, dev_t top, const std::string& sysfs);

}  // namespace pv2luks
