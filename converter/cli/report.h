// What the CLI shows: progress, the confirmation question, and a result as
// messages and an exit code.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "pv2luks/pv2luks.h"

namespace cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;  // checks failed; nothing was written
inline constexpr int kExitUsage = 2;
inline constexpr int kExitStopped = 3;  // stopped between chunks; resume finishes it
inline constexpr int kExitFailed = 4;   // failed after writing; the message says what state it is in

// Progress: a line redrawn in place on a terminal (stderr), or one JSON
// object per line on stdout.
class ProgressReport {
 public:
  explicit ProgressReport(bool json);
  void operator()(const pv2luks::Progress& p);

 private:
  bool json_;
  bool tty_;
  // The first report's time: the checks before the move (a guest inspection
  // with --guest-config takes half a minute) do not count in the rate.
  std::optional<std::chrono::steady_clock::time_point> started_;
};

// "pv2luks: LINE" on stderr.
void say(const std::string& line);

// cryptsetup's question on /dev/tty (stdin may carry the key); false when
// there is no terminal, with a message naming --yes.
bool confirm_on_terminal(const std::string& summary);

// Prints what a convert or resume result means and returns the exit code.
int report(const pv2luks::ConvertResult& result, const std::string& device, bool dry_run);

}  // namespace cli
