#include <gtest/gtest.h>

#include "lab/console.h"

namespace harness {
namespace {

TEST(Console, StripsEscapesAndCarriageReturns) {
  EXPECT_EQ(clean_console_text("\x1b" "c\x1b[?7l\x1b[2Jhello\r"), "hello");
  EXPECT_EQ(clean_console_text("a\x1b[0mb"), "ab");
}

TEST(Console, RecognisesMarkers) {
  EXPECT_EQ(classify_console_line("PV2LUKS-LAB: start").kind, ConsoleKind::kStart);
  EXPECT_EQ(classify_console_line("\x1b[2JPV2LUKS-LAB: start\r").kind, ConsoleKind::kStart);
  const ConsoleLine exit = classify_console_line("PV2LUKS-LAB: exit=7");
  EXPECT_EQ(exit.kind, ConsoleKind::kExit);
  EXPECT_EQ(exit.exit_code, 7);
  const ConsoleLine failed = classify_console_line("PV2LUKS-LAB: init failed: insmod x.ko");
  EXPECT_EQ(failed.kind, ConsoleKind::kInitFailed);
  EXPECT_EQ(failed.text, "insmod x.ko");
}

TEST(Console, MalformedMarkersAreOutput) {
  EXPECT_EQ(classify_console_line("PV2LUKS-LAB: exit=").kind, ConsoleKind::kOutput);
  EXPECT_EQ(classify_console_line("PV2LUKS-LAB: exit=7x").kind, ConsoleKind::kOutput);
  EXPECT_EQ(classify_console_line("PV2LUKS-LAB: starting").kind, ConsoleKind::kOutput);
}

TEST(Console, DropsFirmwareNoiseOnly) {
  EXPECT_EQ(classify_console_line("SeaBIOS (version 1.16.2-debian-1.16.2-1)").kind,
            ConsoleKind::kNoise);
  EXPECT_EQ(classify_console_line("Booting from ROM...").kind, ConsoleKind::kNoise);
  EXPECT_EQ(classify_console_line("[   10.205129] reboot: Power down").kind, ConsoleKind::kNoise);
  EXPECT_EQ(classify_console_line("[    1.0] EXT4-fs error").kind, ConsoleKind::kOutput);
  EXPECT_EQ(classify_console_line("Booting from ROM... and more").kind, ConsoleKind::kOutput);
}

}  // namespace
}  // namespace harness
