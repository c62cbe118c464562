// pv2luks-harness lab run: boot the guest, run a script, stream its output;
// lab boot: boot a guest's own kernel and disk to a marker on its console.
#pragma once

#include <string>
#include <vector>

#include "lab/lab_result.h"

namespace harness {

struct LabRunOptions;

struct LabResult;

// `words` after "lab run". Returns 0 or kExitScriptFailed when the script ran
// to its end, or a code of the lab's own (lab/lab_result.h).
int lab_run_command(const std::vector<std::string>& words);

// `words` after "lab boot": a guest's own kernel, initramfs and disk; 0 when
// its console showed the marker (lab_boot.cpp).
int lab_boot_command(const std::vector<std::string>& words);

// `words` after "vm": build (a Debian image with pv2luks) or run (boot it,
// run a script in it) (vm.cpp).
int vm_command(const std::vector<std::string>& words);

// --host: the script runs on this host over loop devices; fills `result`.
void run_on_host(const LabRunOptions& options, LabResult& result);

}  // namespace harness
