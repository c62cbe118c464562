#include "system/initramfs_tool.h"

#include <filesystem>
#include <system_error>

namespace pv2luks {

namespace {

const char* const kHookFunctions = "/usr/share/initramfs-tools/hook-functions";
const std::vector<std::string> kUpdateInitramfs = {"/usr/sbin/update-initramfs",
                                                   "/sbin/update-initramfs"};
const std::vector<std::string> kDracut = {"/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut",
                                          "/bin/dracut"};
const std::vector<std::string> kDracutModules = {"/usr/lib/dracut/modules.d",
                                                 "/lib/dracut/modules.d"};
const std::vector<std::string> kToolsInCharge = {"/etc/kernel/postinst.d/initramfs-tools"};
const std::vector<std::string> kDracutInCharge = {"/etc/kernel/postinst.d/dracut",
                                                  "/usr/lib/kernel/install.d/50-dracut.install",
                                                  "/lib/kernel/install.d/50-dracut.install"};

bool any_exists(const std::vector<std::string>& paths,
                const std::function<bool(const std::string&)>& exists) {
  for (const std::string& path : paths) {
    if (exists(path)) return true;
  }
  return false;
}

}  // namespace

const std::vector<std::string>& initramfs_tool_probe_paths() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> all{kHookFunctions};
    for (const auto* group :
         {&kUpdateInitramfs, &kDracut, &kDracutModules, &kToolsInCharge, &kDracutInCharge}) {
      all.insert(all.end(), group->begin(), group->end());
    }
    return all;
  }();
  return paths;
}

InitramfsTool detect_initramfs_tool_with(const std::function<bool(const std::string&)>& exists) {
  const bool tools = exists(kHookFunctions) && any_exists(kUpdateInitramfs, exists);
  const bool dracut = any_exists(kDracut, exists) && any_exists(kDracutModules, exists);
  if (tools && !dracut) return InitramfsTool::InitramfsTools;
  if (dracut && !tools) return InitramfsTool::Dracut;
  if (!tools && !dracut) return InitramfsTool::Unknown;
  const bool tools_hook = any_exists(kToolsInCharge, exists);
  const bool dracut_hook = any_exists(kDracutInCharge, exists);
  if (tools_hook && !dracut_hook) return InitramfsTool::InitramfsTools;
  if (dracut_hook && !tools_hook) return InitramfsTool::Dracut;
  return InitramfsTool::Unknown;
}

InitramfsTool detect_initramfs_tool(const std::string& root) {
  const std::filesystem::path base(root.empty() ? "/" : root);
  return detect_initramfs_tool_with([&base](const std::string& path) {
    std::error_code error;
    // Follows symbolic links (usrmerge: /sbin -> usr/sbin) as the system would;
    // a link pointing outside a fake root is read as the host sees it.
    return std::filesystem::exists(base / std::filesystem::path(path).relative_path(), error);
  });
}

const char* initramfs_tool_name(InitramfsTool tool) {
  switch (tool) {
    case InitramfsTool::InitramfsTools: return "initramfs-tools";
    case InitramfsTool::Dracut: return "dracut";
    case InitramfsTool::Unknown: break;
  }
  return "unknown";
}

}  // namespace pv2luks
