#include "image/loop_backing.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace pv2luks {

namespace {

bool same_file(const struct stat& a, const struct stat& b) {
  if (S_ISBLK(a.st_mode) || S_ISBLK(b.st_mode)) {
    return S_ISBLK(a.st_mode) && S_ISBLK(b.st_mode) && a.st_rdev == b.st_rdev;
  }
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// The backing file's path, "" when none is attached. A deleted backing file
// ("PATH (deleted)") cannot be the image, which exists.
std::string backing_file(const std::filesystem::path& device) {
  std::ifstream in(device / "loop" / "backing_file");
  std::string path;
  std::getline(in, path);
  return path;
}

}  // namespace

std::vector<std::string> loop_devices_backed_by(const struct stat& image,
                                                const std::string& sys_block) {
  std::vector<std::string> devices;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sys_block, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    const std::string path = backing_file(entry.path());
    struct stat backing {};
    if (path.empty() || ::stat(path.c_str(), &backing) != 0) continue;
    if (same_file(image, backing)) devices.push_back("/dev/" + name);
  }
  std::sort(devices.begin(), devices.end());
  return devices;
}

}  // namespace pv2luks
