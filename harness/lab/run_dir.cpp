#include "lab/run_dir.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "common/error.h"

namespace fs = std::filesystem;

namespace harness {

RunDir::RunDir(bool keep) : keep_(keep) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/pv2luks-lab.XXXXXX";
  if (!::mkdtemp(pattern.data())) {
    Fail(kExitLab) << pattern << ": mkdtemp failed: " << errno_string();
  }
  path_ = pattern;
}

RunDir::~RunDir() {
  if (keep_) {
    std::cerr << "lab: kept " << path_ << "\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<std::string> project_binaries() {
  const fs::path self = fs::read_symlink("/proc/self/exe");
  std::vector<std::string> binaries = {self.string()};
  for (const fs::path& dir : {self.parent_path() / ".." / "converter", self.parent_path()}) {
    if (fs::exists(dir / "pv2luks")) {
      binaries.push_back(fs::canonical(dir / "pv2luks").string());
      break;
    }
  }
  return binaries;
}

}  // namespace harness
