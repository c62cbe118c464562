// --disk NAME:SIZE[/SECTOR][:PATH] for `lab run`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace harness {

struct DiskSpec {
  std::string name;             // virtio serial in the guest: /dev/disk/by-serial/NAME
  std::uint64_t size_bytes = 0;  // 0 with size "auto": the existing file's size
  std::string path;             // "" when the lab makes a scratch file for the run
  std::uint32_t sector_bytes = 512;  // the disk's logical (and physical) sector
};

// Parses NAME:SIZE[/SECTOR][:PATH]. NAME is 1-20 of [A-Za-z0-9_-] (the virtio
// serial limit); SIZE is a size such as 64M (a multiple of the sector, at
// least 1 MiB) or "auto" for an existing PATH. SECTOR, 512 (the default) or
// 4096, is the logical sector the guest sees: 4096 gives a 4Kn disk, the
// largest sector Linux takes. A bad spec is a usage Error naming the part.
DiskSpec parse_disk_spec(std::string_view text);

enum class DiskFormat { kRaw, kQcow2 };

// Raw unless the file starts with the qcow2 magic.
DiskFormat detect_disk_format(const std::string& path);

// "" when a disk of `size_bytes` fits whole sectors of `sector_bytes`, else why
// not: for sizes known only once the file is seen ('auto').
std::string disk_size_problem(std::uint64_t size_bytes, std::uint32_t sector_bytes);

}  // namespace harness
