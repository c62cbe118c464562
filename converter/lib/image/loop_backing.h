// Loop devices whose backing file is a given image (or block device): on the
// host they are how an image's partitions get mounted or its LVs activated,
// so a conversion under one would change what it shows, or lose what it
// writes. Found from /sys/block/loop*/loop/backing_file, which the kernel
// keeps current through renames, compared by device and inode (a block
// device by its device number), never by name.
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

namespace pv2luks {

// "/dev/loopN" for every loop device backed by the file `image` is (`image`
// from stat(2)), sorted by name.
std::vector<std::string> loop_devices_backed_by(const struct stat& image,
                                                const std::string& sys_block = "/sys/block");

}  // namespace pv2luks
