#include "lab/run_dir.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "common/error.h"
#include "lab/data_dir.h"

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
  if (const std::string pv2luks = pv2luks_binary(); !pv2luks.empty()) binaries.push_back(pv2luks);
  return binaries;
}

}  // namespace harness
