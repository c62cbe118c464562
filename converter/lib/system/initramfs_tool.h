// Which tool builds a system's initramfs (initramfs-tools or dracut), found
// from what is installed under its root, not from os-release: Debian can run
// either, and a distribution's name says nothing about which one is in charge.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace pv2luks {

enum class InitramfsTool { InitramfsTools, Dracut, Unknown };

// Which tool builds the initramfs of the system whose root is `root`, from
// what is installed there.
InitramfsTool detect_initramfs_tool(const std::string& root = "/");

// "initramfs-tools", "dracut", "unknown".
const char* initramfs_tool_name(InitramfsTool tool);

// The absolute paths (as seen inside the system) the detection looks at.
const std::vector<std::string>& initramfs_tool_probe_paths();

// The detection itself, over `exists` (true when that path, one of
// initramfs_tool_probe_paths(), exists in the system). Pure: the guest helper
// answers it through libguestfs, detect_initramfs_tool through the file system.
//   - installed: initramfs-tools = its hook-functions and update-initramfs;
//     dracut = its binary and modules.d;
//   - one installed: that one;
//   - both (Debian's dracut-core installs beside initramfs-tools): the one
//     whose kernel hook builds the initramfs when a kernel is installed
//     (/etc/kernel/postinst.d/dracut or initramfs-tools, or kernel-install's
//     50-dracut.install); Unknown when both or neither has one.
InitramfsTool detect_initramfs_tool_with(const std::function<bool(const std::string&)>& exists);

}  // namespace pv2luks
