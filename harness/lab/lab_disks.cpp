#include "lab/lab_disks.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "common/error.h"
#include "common/process.h"
#include "common/sha256.h"
#include "common/size.h"

namespace fs = std::filesystem;

namespace harness {

namespace {

std::uint64_t qcow2_virtual_size_bytes(const std::string& path) {
  const std::string info = run_checked({"qemu-img", "info", "--output=json", path});
  static const std::regex kSize(R"re("virtual-size":\s*([0-9]+))re");
  std::smatch match;
  if (!std::regex_search(info, match, kSize)) {
    Fail(kExitUsage) << path << ": qemu-img info shows no virtual size";
  }
  return std::stoull(match[1]);
}

void create_sparse(const std::string& path, std::uint64_t size_bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) Fail(kExitUsage) << path << ": cannot create the disk file: " << errno_string();
  if (::ftruncate(fd, static_cast<off_t>(size_bytes)) != 0) {
    const std::string why = errno_string();
    ::close(fd);
    ::unlink(path.c_str());
    Fail(kExitUsage) << path << ": cannot size the disk file: " << why;
  }
  ::close(fd);
}

LabDisk prepare_disk(const DiskSpec& spec, bool loop, const std::string& run_dir) {
  LabDisk disk;
  disk.guest.name = spec.name;
  disk.guest.sector_bytes = spec.sector_bytes;
  disk.scratch = spec.path.empty();
  disk.guest.path = disk.scratch ? run_dir + "/" + spec.name + ".img" : spec.path;
  disk.size_bytes = spec.size_bytes;
  const std::uint64_t file_size_bytes = loop ? loop_backing_size_bytes(spec.size_bytes)
                                             : spec.size_bytes;
  std::error_code ec;
  if (!fs::exists(disk.guest.path, ec)) {
    if (spec.size_bytes == 0) {
      Fail(kExitUsage) << "disk " << spec.name << ": " << disk.guest.path
                       << " does not exist, so its size cannot be 'auto'";
    }
    create_sparse(disk.guest.path, file_size_bytes);
    disk.created = true;
    return disk;
  }
  disk.guest.format = detect_disk_format(disk.guest.path);
  if (loop) {
    if (disk.guest.format != DiskFormat::kRaw) {
      Fail(kExitUsage) << "disk " << spec.name << ": --loop needs a raw disk file";
    }
    return disk;  // the ext4 backing made by an earlier --loop run
  }
  const std::uint64_t actual = disk.guest.format == DiskFormat::kQcow2
                                   ? qcow2_virtual_size_bytes(disk.guest.path)
                                   : file_or_device_size_bytes(disk.guest.path);
  if (spec.size_bytes != 0 && spec.size_bytes != actual) {
    Fail(kExitUsage) << "disk " << spec.name << ": " << disk.guest.path << " holds "
                     << format_size(actual) << " but the spec says " << format_size(spec.size_bytes)
                     << "; give its size or 'auto'";
  }
  if (const std::string problem = disk_size_problem(actual, spec.sector_bytes); !problem.empty()) {
    Fail(kExitUsage) << "disk " << spec.name << ": " << disk.guest.path << ": " << problem;
  }
  disk.size_bytes = actual;
  return disk;
}

}  // namespace

std::uint64_t loop_backing_size_bytes(std::uint64_t size_bytes) {
  return size_bytes + size_bytes / 32 + 32 * kMiB;
}

std::vector<LabDisk> prepare_lab_disks(const LabRunOptions& options, const std::string& run_dir) {
  std::vector<LabDisk> disks;
  for (const DiskSpec& spec : options.disks) {
    if (options.loop && spec.size_bytes == 0) {
      Fail(kExitUsage) << "disk " << spec.name << ": --loop needs an explicit SIZE, not 'auto'";
    }
    disks.push_back(prepare_disk(spec, options.loop, run_dir));
  }
  return disks;
}

}  // namespace harness
