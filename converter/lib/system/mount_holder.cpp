#include "system/mount_holder.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>

namespace pv2luks {

namespace fs = std::filesystem;

namespace {

// A device stack deeper than this is a loop in what sysfs says.
constexpr int kMaxDepth = 16;

std::string dev_name(dev_t device) {
  return std::to_string(major(device)) + ":" + std::to_string(minor(device));
}

// "MAJ:MIN" from a sysfs dev file, or none.
bool read_dev(const fs::path& file, dev_t& device) {
  std::ifstream in(file);
  unsigned major_number = 0;
  unsigned minor_number = 0;
  char colon = 0;
  if (!(in >> major_number >> colon >> minor_number) || colon != ':') return false;
  device = makedev(major_number, minor_number);
  return true;
}

bool below(dev_t device, dev_t top, const std::string& sysfs, int depth) {
  if (device == top) return true;
  if (depth >= kMaxDepth) return false;
  std::error_code error;
  const fs::path slaves = fs::path(sysfs) / "dev/block" / dev_name(top) / "slaves";
  for (const fs::directory_entry& slave : fs::directory_iterator(slaves, error)) {
    dev_t lower = 0;
    if (read_dev(slave.path() / "dev", lower) && below(device, lower, sysfs, depth + 1)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool lies_below(dev_t device, dev_t top, const std::string& sysfs) {
  return below(device, top, sysfs, 0);
}

bool holds_mount(dev_t device, const std::string& path, const std::string& sysfs) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return lies_below(device, st.st_dev, sysfs);
}

}  // namespace pv2luks
