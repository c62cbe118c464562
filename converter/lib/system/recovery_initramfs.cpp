#include "system/recovery_initramfs.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>

#include "base/error.h"
#include "base/process.h"
#include "base/version_order.h"
#include "base/words.h"
#include "system/initramfs_tool.h"
#include "system/mount_holder.h"

namespace pv2luks {

namespace fs = std::filesystem;

namespace {

// Whether some word of the listing ends with one of `tails`.
bool listed(const std::vector<std::string>& words, std::initializer_list<const char*> tails) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& word) {
    return std::any_of(tails.begin(), tails.end(),
                       [&](const char* tail) { return word.ends_with(tail); });
  });
}

struct Lister {
  std::string program;  // "lsinitramfs" or "lsinitrd"
  std::string fix;      // the command that rebuilds every initramfs with what recovery needs
};

// The initramfs tool's own lister (lsinitramfs comes with initramfs-tools,
// lsinitrd with dracut) and the command that rebuilds every initramfs, for
// the tool that builds this system's initramfs; when that is not known,
// whichever lister is installed.
Lister find_lister() {
  const Lister initramfs_tools{"lsinitramfs",
                               "apt-get install cryptsetup-initramfs && update-initramfs -u -k all"};
  const Lister dracut{"lsinitrd", "dracut -f --regenerate-all"};
  switch (detect_initramfs_tool()) {
    case InitramfsTool::InitramfsTools: return initramfs_tools;
    case InitramfsTool::Dracut: return dracut;
    case InitramfsTool::Unknown: break;
  }
  if (!find_program(initramfs_tools.program).empty()) return {initramfs_tools.program, ""};
  if (!find_program(dracut.program).empty()) return {dracut.program, ""};
  return {};
}

// The initramfs file of kernel `version`, as Debian and Ubuntu (either
// tool) or Fedora's dracut name it; "" when there is none.
std::string initramfs_file(const std::string& version) {
  for (const std::string& file : {"/boot/initrd.img-" + version, "/boot/initramfs-" + version + ".img"}) {
    if (fs::exists(file)) return file;
  }
  return "";
}

std::vector<std::string> installed_kernels() {
  std::vector<std::string> versions;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator("/boot", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("vmlinuz-", 0) == 0) versions.push_back(name.substr(8));
  }
  return versions;
}

std::string running_kernel() {
  struct utsname names {};
  ::uname(&names);
  return names.release;
}

// What stops a recovery boot through kernel `version`'s initramfs, or "".
std::string recovery_problem(const std::string& version, const Lister& lister) {
  const std::string file = initramfs_file(version);
  if (file.empty()) return "kernel " + version + " has no initramfs in /boot";
  if (lister.program.empty()) {
    return file + " cannot be checked: neither lsinitramfs nor lsinitrd is installed";
  }
  if (find_program(lister.program).empty()) {
    return file + " cannot be checked: " + lister.program + " is not installed";
  }
  const ProcessResult listing = run_process({lister.program, file});
  if (listing.exit_code != 0) {
    return lister.program + " " + file + " failed (exit " + std::to_string(listing.exit_code) + ")";
  }
  const std::vector<std::string> missing = missing_for_recovery(listing.out);
  if (missing.empty()) return "";
  std::string names;
  for (const std::string& name : missing) names += (names.empty() ? "" : ", ") + name;
  return file + " has no " + names;
}

}  // namespace

bool initramfs_listing_has_cryptsetup(const std::string& listing) {
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);) {
    // lsinitramfs: "usr/sbin/cryptsetup"; lsinitrd: "-rwxr-xr-x 1 root root
    // 123 Jan 1 00:00 usr/sbin/cryptsetup", and "... usr/sbin/cryptsetup -> ..."
    // were it a link.
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string word; fields >> word;) words.push_back(word);
    if (words.empty()) continue;
    const std::size_t arrow = std::find(words.begin(), words.end(), "->") - words.begin();
    const std::string& path = arrow < words.size() && arrow > 0 ? words[arrow - 1] : words.back();
    const std::string full = "/" + path;
    if (full.ends_with("/sbin/cryptsetup") || full.ends_with("/bin/cryptsetup") ||
        full.ends_with("/systemd/systemd-cryptsetup")) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> missing_for_recovery(const std::string& listing) {
  const std::vector<std::string> words = words_of(listing);
  std::vector<std::string> missing;
  if (!initramfs_listing_has_cryptsetup(listing)) missing.push_back("cryptsetup");
  if (!listed(words, {"bin/pv2luks"})) missing.push_back("pv2luks");
  if (!listed(words, {"scripts/local-top/pv2luks", "pv2luks-recover.sh"})) {
    missing.push_back("pv2luks's recovery hook");
  }
  return missing;
}

std::vector<std::string> next_boot_kernels(const std::string& running,
                                           std::vector<std::string> installed) {
  std::vector<std::string> kernels{running};
  if (installed.empty()) return kernels;
  const std::string newest = *std::max_element(installed.begin(), installed.end(), version_less);
  if (newest != running) kernels.push_back(newest);
  return kernels;
}

void refuse_stranded_root(const std::string& device, dev_t rdev, bool force, const MessageFn& say) {
  std::string held;
  for (const char* path : {"/", "/usr"}) {
    if (holds_mount(rdev, path)) {
      held = path;
      break;
    }
  }
  if (held.empty()) return;
  const Lister lister = find_lister();
  std::vector<std::string> problems;
  for (const std::string& version : next_boot_kernels(running_kernel(), installed_kernels())) {
    if (std::string problem = recovery_problem(version, lister); !problem.empty()) {
      problems.push_back(std::move(problem));
    }
  }
  if (problems.empty()) return;
  std::ostringstream why;
  why << device << " holds the running " << held << ", and the initramfs the next boot uses "
      << "cannot bring it up after a conversion cut short (a power cut, a crash): ";
  for (std::size_t i = 0; i < problems.size(); ++i) why << (i ? "; " : "") << problems[i];
  why << ". Such a boot cannot map the half-converted PV: it finds no root file system (then "
         "only a rescue system helps), or, where the initramfs activates LVM with 'vgchange "
         "-ay' (dracut without pv2luks's module), it mounts root from the half-converted "
         "partition and damages it. Install pv2luks's "
         "initramfs support and cryptsetup's, then rebuild every initramfs ("
      << (lister.fix.empty() ? "with the distribution's tool" : "'" + lister.fix + "'")
      << ") and convert again";
  if (!force) Fail() << why.str() << "; or convert with --force to take that risk";
  if (say) say("warning (--force): " + why.str());
}

}  // namespace pv2luks
