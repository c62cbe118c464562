#include "lab/disk_spec.h"

#include <fstream>

#include "common/error.h"
#include "common/size.h"

namespace harness {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 20) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

DiskSpec parse_disk_spec(std::string_view text) {
  const auto first = text.find(':');
  if (first == std::string_view::npos) {
    Fail(kExitUsage) << "bad disk spec '" << text << "': expected NAME:SIZE[/SECTOR][:PATH]";
  }
  DiskSpec disk;
  disk.name = std::string(text.substr(0, first));
  if (!valid_name(disk.name)) {
    Fail(kExitUsage) << "bad disk spec '" << text << "': the name '" << disk.name
                     << "' must be 1-20 letters, digits, '_' or '-'";
  }
  const auto second = text.find(':', first + 1);
  std::string_view size = text.substr(first + 1, second == std::string_view::npos
                                                     ? std::string_view::npos
                                                     : second - first - 1);
  if (const auto slash = size.find('/'); slash != std::string_view::npos) {
    const std::string_view sector = size.substr(slash + 1);
    if (sector != "512" && sector != "4096") {
      Fail(kExitUsage) << "bad disk spec '" << text << "': the sector '" << sector
                       << "' must be 512 or 4096";
    }
    disk.sector_bytes = sector == "512" ? 512 : 4096;
    size = size.substr(0, slash);
  }
  if (second != std::string_view::npos) {
    disk.path = std::string(text.substr(second + 1));
    if (disk.path.empty()) Fail(kExitUsage) << "bad disk spec '" << text << "': empty PATH";
  }
  if (size == "auto") {
    if (disk.path.empty()) {
      Fail(kExitUsage) << "bad disk spec '" << text << "': size 'auto' needs an existing PATH";
    }
    return disk;
  }
  const auto bytes = parse_size_bytes(size);
  if (!bytes) {
    Fail(kExitUsage) << "bad disk spec '" << text << "': cannot read the size '" << size
                     << "' (use a number with K, M, G or T, e.g. 256M, or 'auto')";
  }
  if (*bytes < kMiB) {
    Fail(kExitUsage) << "bad disk spec '" << text << "': the size must be at least 1 MiB";
  }
  if (const std::string problem = disk_size_problem(*bytes, disk.sector_bytes); !problem.empty()) {
    Fail(kExitUsage) << "bad disk spec '" << text << "': " << problem;
  }
  disk.size_bytes = *bytes;
  return disk;
}

std::string disk_size_problem(std::uint64_t size_bytes, std::uint32_t sector_bytes) {
  if (size_bytes % sector_bytes == 0) return "";
  return "the size of " + std::to_string(size_bytes) + " bytes is not a multiple of its " +
         std::to_string(sector_bytes) + "-byte sector";
}

DiskFormat detect_disk_format(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  const bool qcow2 = in.gcount() == 4 && magic[0] == 'Q' && magic[1] == 'F' && magic[2] == 'I' &&
                     static_cast<unsigned char>(magic[3]) == 0xfb;
  return qcow2 ? DiskFormat::kQcow2 : DiskFormat::kRaw;
}

}  // namespace harness
