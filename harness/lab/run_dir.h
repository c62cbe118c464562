// A lab run's directory on the host: scratch disks and the share the guest
// mounts at /run/lab. Removed at the end unless kept.
#pragma once

#include <string>

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

// Directories of pv2luks-harness and pv2luks, joined for PATH.
std::string project_path();

}  // namespace harness
