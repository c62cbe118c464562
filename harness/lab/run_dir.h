// A lab run's directory on the host: scratch disks and the share the guest
// mounts at /run/lab. Removed at the end unless kept.
#pragma once

#include <string>
#include <vector>

namespace harness {

class RunDir {
 public:
  explicit RunDir(bool keep);
  ~RunDir();
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool keep_;
};

// The project's binaries the lab offers to scripts: this pv2luks-harness and
// the pv2luks built beside it (build/converter/) or installed with it.
std::vector<std::string> project_binaries();

}  // namespace harness
