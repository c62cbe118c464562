// What `lab run` ended with, as an exit code a CI system can act on and as a
// JSON object (--result FILE) that carries both the lab's status and the
// script's own exit code. docs/lab.md has the table.
#pragma once

#include <optional>
#include <string>

namespace harness {

// The exit codes of `lab run` that are its own (kExitUsage 2, kExitTimeout 124
// and kExitLab 125 are the harness's, common/error.h). The script's exit code
// is never passed through: it is in the "lab: script exited N" line and in
// --result's "script_exit".
inline constexpr int kExitScriptFailed = 1;  // the lab worked; the script exited non-zero
inline constexpr int kExitNoCut = 3;         // a power cut was asked for; the script ended first
inline constexpr int kExitSkip = 77;         // --host on a host without device-mapper

struct LabResult {
  // "script-exited", "power-cut", "no-power-cut", "timeout", "lab-failed",
  // "interrupted" or "skipped".
  std::string status;
  std::optional<int> script_exit;  // when the script ran to its end
  int exit_code = 0;               // what `lab run` exits with
  double duration_s = 0;           // from the start of `lab run`
  std::optional<double> boot_s;    // to the script's start
  std::string kernel;
  std::string kernel_version;
  std::string accelerator;  // "kvm", "tcg" or "host"
  std::string console_log;  // --console-log FILE, or empty
  std::string message;      // what went wrong, for a lab failure
};

// The exit code of a run whose script ended with `script_exit`: 0 or kExitScriptFailed.
int exit_code_of_script(int script_exit);

// The object, one line, with every field (null where there is no value).
std::string lab_result_json(const LabResult& result);

// Writes it to `path` (beside, then renamed). A failure to write is a lab failure.
void write_lab_result(const std::string& path, const LabResult& result);

}  // namespace harness
