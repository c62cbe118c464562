// pv2luks-harness lab run: boot the guest, run a script, stream its output;
// lab boot: boot a guest's own kernel and disk to a marker on its console.
#pragma once

#include <string>
#include <vector>

namespace harness {

struct LabRunOptions;

// `lab run` exits 3 when a power cut was asked for but the script ended first.
inline constexpr int kExitNoCut = 3;
// `lab run --host` exits 77 (the automake skip code) when the host has no dm.
inline constexpr int kExitSkip = 77;

// `words` after "lab run". Returns the script's exit code, or a harness code.
int lab_run_command(const std::vector<std::string>& words);

// `words` after "lab boot": a guest's own kernel, initramfs and disk; 0 when
// its console showed the marker (lab_boot.cpp).
int lab_boot_command(const std::vector<std::string>& words);

// `words` after "vm": build (a Debian image with pv2luks) or run (boot it,
// run a script in it) (vm.cpp).
int vm_command(const std::vector<std::string>& words);

// --host: the script runs on this host over loop devices.
int run_on_host(const LabRunOptions& options);

}  // namespace harness
