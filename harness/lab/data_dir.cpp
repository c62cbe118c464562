#include "lab/data_dir.h"

#include <cstdlib>
#include <filesystem>

#include "common/error.h"

namespace fs = std::filesystem;

namespace harness {

namespace {

fs::path own_dir() { return fs::read_symlink("/proc/self/exe").parent_path(); }

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : "";
}

}  // namespace

std::string harness_data_dir() {
  if (const std::string set = env("PV2LUKS_HARNESS_DATA"); !set.empty()) {
    if (!fs::is_directory(set)) {
      Fail(kExitLab) << "PV2LUKS_HARNESS_DATA=" << set << " is not a directory";
    }
    return set;
  }
  const fs::path dir = (own_dir().parent_path() / "share" / "pv2luks-harness").lexically_normal();
  if (!fs::is_directory(dir / "qemu")) {
    Fail(kExitLab) << "the harness's data files are not at " << dir.string()
                   << " (../share/pv2luks-harness beside the executable): install the"
                      " pv2luks-harness package whole, or set PV2LUKS_HARNESS_DATA to the"
                      " directory that holds qemu/";
  }
  return dir.string();
}

std::string qemu_recipe_dir() {
  if (const std::string set = env("PV2LUKS_QEMU_DIR"); !set.empty()) return set;
  return harness_data_dir() + "/qemu";
}

std::string pv2luks_binary() {
  if (const std::string set = env("PV2LUKS_BIN"); !set.empty()) {
    if (!fs::exists(set)) Fail(kExitLab) << "PV2LUKS_BIN=" << set << " does not exist";
    return fs::canonical(set).string();
  }
  const fs::path self = own_dir();
  for (const fs::path& candidate :
       {self.parent_path() / "converter" / "pv2luks", self.parent_path() / "sbin" / "pv2luks",
        self / "pv2luks", fs::path("/usr/sbin/pv2luks")}) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return fs::canonical(candidate).string();
  }
  return "";
}

}  // namespace harness
