// The disk files of a lab run: made sparse when missing, checked when reused.
#pragma once

#include <string>
#include <vector>

#include "lab/lab_options.h"
#include "lab/qemu_command.h"

namespace harness {

struct LabDisk {
  GuestDisk guest;               // what QEMU attaches
  std::uint64_t size_bytes = 0;  // what the script sees (the loop file in --loop mode)
  bool scratch = false;          // made for this run only (no PATH given)
  bool created = false;          // the file did not exist before this run
};

// With --loop the virtio disk holds an ext4 filesystem around the loop file:
// this much larger than the file is enough for ext4's own metadata.
std::uint64_t loop_backing_size_bytes(std::uint64_t size_bytes);

// Creates missing files (sparse) and checks existing ones. Scratch disks go
// into `run_dir`. Errors are usage Errors naming the disk.
std::vector<LabDisk> prepare_lab_disks(const LabRunOptions& options, const std::string& run_dir);

}  // namespace harness
