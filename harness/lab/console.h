// The guest's serial console as lines: cleaned of terminal control sequences,
// with the lab's marker lines (qemu/init) recognised.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace harness {

enum class ConsoleKind {
  kOutput,      // the guest's (or QEMU's) own output: stream it
  kNoise,       // firmware banners and the power-down message: drop it
  kStart,       // PV2LUKS-LAB: start
  kExit,        // PV2LUKS-LAB: exit=N
  kProbeOk,     // PV2LUKS-LAB: probe ok
  kInitFailed,  // PV2LUKS-LAB: init failed: WHY
};

struct ConsoleLine {
  ConsoleKind kind = ConsoleKind::kOutput;
  std::string text;       // cleaned text (for kInitFailed: the reason)
  int exit_code = 0;      // for kExit
};

// Removes carriage returns and ANSI/VT100 escape sequences.
std::string clean_console_text(std::string_view raw);

ConsoleLine classify_console_line(std::string_view raw);

}  // namespace harness
