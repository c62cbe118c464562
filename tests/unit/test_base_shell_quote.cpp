// base/shell_quote: quoting for sh.
#include <gtest/gtest.h>

#include "base/shell_quote.h"

namespace pv2luks {
namespace {

TEST(ShellQuote, Quote) {
  EXPECT_EQ(shell_quote("/boot/initrd.img-6.1.0-50-amd64"), "'/boot/initrd.img-6.1.0-50-amd64'");
  EXPECT_EQ(shell_quote("a'b"), "'a'\\''b'");
}

TEST(ShellQuote, WordQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(shell_word("/var/lib/vm/disk-1.qcow2"), "/var/lib/vm/disk-1.qcow2");
  EXPECT_EQ(shell_word("before"), "before");
  EXPECT_EQ(shell_word("it's late"), "'it'\\''s late'");
  EXPECT_EQ(shell_word("$HOME"), "'$HOME'");
  EXPECT_EQ(shell_word("a*"), "'a*'");
  EXPECT_EQ(shell_word(""), "''");
}

}  // namespace
}  // namespace pv2luks
