// base/process run_process: output, exit code and standard input come back,
// a child that reads none of its input costs us no SIGPIPE, and the child
// inherits no descriptor but its three pipes (the lvm tools refuse to run
// with a leaked /dev/mapper/control).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include "base/process.h"

namespace pv2luks {
namespace {

TEST(RunProcess, ReturnsOutputExitCodeAndFeedsInput) {
  const ProcessResult result = run_process({"sh", "-c", "cat; echo oops >&2; exit 3"}, "hello\n");
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.out, "hello\n");
  EXPECT_EQ(result.err, "oops\n");
}

// A child that ends without reading its input (1 MiB: more than a pipe
// holds) is its exit code's business: the write's SIGPIPE, held back, does
// not end us, and its exit code comes back.
TEST(RunProcess, ChildThatReadsNoInputIsNoSigpipe) {
  const ProcessResult result = run_process({"sh", "-c", "exit 5"}, std::string(1 << 20, 'k'));
  EXPECT_EQ(result.exit_code, 5);
  sigset_t pending;
  ::sigpending(&pending);
  EXPECT_FALSE(::sigismember(&pending, SIGPIPE));
}

TEST(RunProcess, ChildInheritsNoOtherDescriptor) {
  // Opened without O_CLOEXEC, as libdevmapper opens its control node.
  const int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 3);
  const std::string probe = "test -e /proc/self/fd/" + std::to_string(fd) + " && echo leaked || echo closed";
  const ProcessResult result = run_process({"sh", "-c", probe});
  ::close(fd);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "closed\n");
}

}  // namespace
}  // namespace pv2luks
