// The options of `lab run`, parsed and checked before anything is started.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lab/disk_spec.h"

namespace harness {

struct LabRunOptions {
  std::vector<DiskSpec> disks;
  std::string script;
  double timeout_s = 600;
  std::optional<double> power_cut_after_s;  // counted from the script's start
  std::optional<std::string> power_cut_on_line;
  bool loop = false;  // offer the disks as loop devices over files
  bool host = false;  // run on the host (needs device-mapper there)
  bool keep = false;  // keep the run directory and scratch disks
  std::string out_dir;  // --out: a host directory for $LAB_OUT that outlives the run
  std::string kernel;   // --kernel BZIMAGE: boot it instead of the host's newest kernel
  std::string modules;  // --modules DIR: its modules (DIR/lib/modules/V or DIR itself)
  std::string result_file;  // --result FILE: the outcome as JSON
  std::string console_log;  // --console-log FILE: every console line of the guest
  std::string tpm_state;    // --tpm STATE_DIR: a software TPM's state; "" for none
};

extern const char kLabRunHelp[];

// Usage Errors name the bad option; the script must exist and be readable.
LabRunOptions parse_lab_run_options(const std::vector<std::string>& words);

}  // namespace harness
