#include "offline/guest_helper.h"

#include <unistd.h>

#include <filesystem>

#include "base/error.h"
#include "base/process.h"

// The helper's directory relative to pv2luks's own: converter/CMakeLists.txt
// sets it from CMAKE_INSTALL_SBINDIR and CMAKE_INSTALL_LIBEXECDIR.
#ifndef PV2LUKS_HELPER_DIR_FROM_SBIN
#define PV2LUKS_HELPER_DIR_FROM_SBIN "../libexec/pv2luks"
#endif

namespace pv2luks {

namespace {

namespace fs = std::filesystem;

bool executable(const fs::path& path) {
  return fs::is_regular_file(path) && ::access(path.c_str(), X_OK) == 0;
}

std::string last_line(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const auto newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

}  // namespace

std::string guest_helper_path() {
  std::error_code error;
  const fs::path here = fs::read_symlink("/proc/self/exe", error).parent_path();
  if (error) Fail() << "--guest-config: cannot find pv2luks's own executable: " << error.message();
  const fs::path beside = here / kGuestHelperName;
  const fs::path installed = (here / PV2LUKS_HELPER_DIR_FROM_SBIN / kGuestHelperName).lexically_normal();
  for (const fs::path& path : {beside, installed}) {
    if (executable(path)) return path.string();
  }
  Fail() << "--guest-config needs " << kGuestHelperName << " (the libguestfs part of pv2luks), "
         << "which is not installed: install the package " << kGuestHelperName
         << " (it brings libguestfs and QEMU with it); looked for " << beside.string()
         << " and " << installed.string() << " (a build without libguestfs-dev has none)";
}

GuestReply run_guest_helper(const std::vector<std::string>& args, std::string_view input,
                            const MessageFn& say) {
  std::vector<std::string> argv = {guest_helper_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  const ProcessResult result = run_process(argv, input);
  const std::string err = last_line(result.err);
  GuestReply reply;
  try {
    reply = parse_guest_reply(result.out);
  } catch (const Error& e) {
    Fail() << kGuestHelperName << " (exit " << result.exit_code << ") gave no usable reply: "
           << e.what() << (err.empty() ? "" : "; its last message: " + err);
  }
  for (const std::string& message : reply.messages) say(message);
  if (reply.error) Fail() << *reply.error;
  if (result.exit_code != 0) {
    Fail() << kGuestHelperName << " failed (exit " << result.exit_code << ")"
           << (err.empty() ? "" : ": " + err);
  }
  return reply;
}

}  // namespace pv2luks
