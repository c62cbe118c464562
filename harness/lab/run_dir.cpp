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

std::string project_path() {
  const fs::path harness_dir = fs::read_symlink("/proc/self/exe").parent_path();
  std::string path = harness_dir.string();
  for (const fs::path& dir : {harness_dir / ".." / "converter", harness_dir}) {
    if (fs::exists(dir / "pv2luks")) {
      const std::string found = fs::canonical(dir).string();
      if (found != path) path = found + ":" + path;
      break;
    }
  }
  return path;
}

}  // namespace harness
