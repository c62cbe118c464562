#include "lab/console.h"

#include <charconv>
#include <regex>

namespace harness {

namespace {

constexpr std::string_view kMarker = "PV2LUKS-LAB: ";

bool is_noise(std::string_view text) {
  static const std::regex kNoise(
      R"(^(SeaBIOS \(version.*|Booting from ROM\.\.\.|\[ *[0-9.]+\] reboot: Power down)\s*$)");
  return text.empty() || std::regex_match(text.begin(), text.end(), kNoise);
}

}  // namespace

std::string clean_console_text(std::string_view raw) {
  std::string text;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\r') continue;
    if (c != '\x1b') {
      text += c;
      continue;
    }
    // ESC [ params final-byte, or ESC followed by one character.
    if (i + 1 < raw.size() && raw[i + 1] == '[') {
      i += 2;
      while (i < raw.size() && !(raw[i] >= '@' && raw[i] <= '~')) ++i;
    } else {
      ++i;
    }
  }
  return text;
}

ConsoleLine classify_console_line(std::string_view raw) {
  ConsoleLine line;
  line.text = clean_console_text(raw);
  const std::string_view text = line.text;
  const auto at = text.find(kMarker);
  if (at == std::string_view::npos) {
    line.kind = is_noise(text) ? ConsoleKind::kNoise : ConsoleKind::kOutput;
    return line;
  }
  const std::string_view rest = text.substr(at + kMarker.size());
  if (rest == "start") {
    line.kind = ConsoleKind::kStart;
  } else if (rest == "probe ok") {
    line.kind = ConsoleKind::kProbeOk;
  } else if (rest.rfind("exit=", 0) == 0) {
    const std::string_view digits = rest.substr(5);
    int code = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code);
    if (ec == std::errc() && end == digits.data() + digits.size()) {
      line.kind = ConsoleKind::kExit;
      line.exit_code = code;
    }
  } else if (rest.rfind("init failed: ", 0) == 0) {
    line.kind = ConsoleKind::kInitFailed;
    line.text = std::string(rest.substr(13));
  }
  return line;
}

}  // namespace harness
