// What the CLI shows: progress, the confirmation question, and a result as
// messages and an exit code. The exit codes are decided here alone.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "pv2luks/pv2luks.h"

namespace cli {

// The exit codes (pv2luks --help, docs/convert.md); cryptsetup's where the
// meaning is the same.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;         // unknown option, missing argument
inline constexpr int kExitNoPermission = 2;  // wrong passphrase, not root
inline constexpr int kExitNoMemory = 3;
inline constexpr int kExitWrongDevice = 4;   // no such device, no PV/LUKS/journal
inline constexpr int kExitBusy = 5;          // mounted, open by QEMU or another pv2luks
inline constexpr int kExitRefused = 6;       // refused otherwise; nothing was written
inline constexpr int kExitStopped = 7;       // stopped between chunks; resume finishes it
inline constexpr int kExitFailed = 8;        // failed after writing; the message says what state

// The exit code of a refusal for `reason`.
int refusal_exit_code(pv2luks::RefuseReason reason);
// The exit code of any result: 0, a refusal's code, 7 or 8.
int exit_code_of(pv2luks::ConvertStatus status, pv2luks::RefuseReason reason);

// Progress: a line redrawn in place on a terminal (stderr), or one JSON
// object per line on stdout (docs/progress-json.md).
class ProgressReport {
 public:
  ProgressReport(bool json, std::string device);
  void operator()(const pv2luks::Progress& p);

 private:
  bool json_;
  bool tty_;
  std::string device_;
  // The first report's time: the checks before the move (a guest inspection
  // with --guest-config takes half a minute) do not count in the rate.
  std::optional<std::chrono::steady_clock::time_point> started_;
};

// "pv2luks: LINE" on stderr.
void say(const std::string& line);

// cryptsetup's question on /dev/tty (stdin may carry the key); false when
// there is no terminal, with a message naming -q/--batch-mode.
bool confirm_on_terminal(const std::string& summary);

// Prints what a convert or resume result means and returns the exit code.
// With `json`, stdout gets the result object (and nothing else); the words
// go to stderr either way.
int report(const pv2luks::ConvertResult& result, const std::string& device, bool dry_run,
           bool json);

// The JSON result object alone, for a run that ended before the library
// was called (a usage error with --progress-json).
void print_json_result(int exit_code, const std::string& status, const std::string& message);

}  // namespace cli
