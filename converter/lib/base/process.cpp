#include "base/process.h"

#include <signal.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <future>
#include <thread>

#include "base/errno_text.h"
#include "base/error.h"
#include "base/log.h"

namespace bp = boost::process;

namespace pv2luks {

std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) {
    if (!line.empty()) line += ' ';
    line += arg;
  }
  return line;
}

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  return bp::search_path(name).string();
}

namespace {

// Runs in the child between fork and exec, after its pipes are in place on 0, 1
// and 2: every other descriptor is closed at exec. Without it the lvm tools
// inherit libdevmapper's /dev/mapper/control (opened without O_CLOEXEC), and
// pvscan fails with "File descriptor 7 (/dev/mapper/control) leaked".
// (bp::limit_handles would close the asynchronous output pipes too.)
void close_inherited_fds() {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  const long limit = std::min(::sysconf(_SC_OPEN_MAX), 65536L);
  for (int fd = 3; fd < limit; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// Writes `input` to the child's standard input and closes it. SIGPIPE is held
// back in this thread meanwhile, and one it raised is taken: a child that
// closed its end early gets the rest of its input as EPIPE, ignored.
void feed(bp::opstream& in, std::string_view input) {
  sigset_t pipe_signal;
  sigset_t before;
  ::sigemptyset(&pipe_signal);
  ::sigaddset(&pipe_signal, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_signal, &before);
  int error = 0;
  for (std::size_t done = 0; done < input.size() && error == 0;) {
    const ssize_t n = ::write(in.pipe().native_sink(), input.data() + done, input.size() - done);
    if (n >= 0) {
      done += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {
      error = errno;
    }
  }
  if (error == EPIPE && !::sigismember(&before, SIGPIPE)) {
    const timespec now{0, 0};
    ::sigtimedwait(&pipe_signal, nullptr, &now);
  }
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  in.pipe().close();
  if (error != 0 && error != EPIPE) {
    Fail() << "writing to a child's standard input failed: " << errno_text(error);
  }
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input) {
  if (argv.empty()) throw Error("run_process: empty command");
  const std::string exe = find_program(argv[0]);
  if (exe.empty()) Fail() << "cannot run " << argv[0] << ": not found on PATH";
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  log_line(LogLevel::kVerbose, "run: " + command_line(argv));

  boost::asio::io_context io;
  std::future<std::string> out;
  std::future<std::string> err;
  bp::opstream in;
  ProcessResult result;
  try {
    bp::child child(exe, bp::args(args), bp::std_in < in, bp::std_out > out, bp::std_err > err,
                    io, bp::extend::on_exec_setup = [](auto&) { close_inherited_fds(); });
    feed(in, input);
    io.run();
    child.wait();
    result.exit_code = child.exit_code();
  } catch (const bp::process_error& e) {
    Fail() << "cannot run " << command_line(argv) << ": " << e.what();
  }
  result.out = out.get();
  result.err = err.get();
  log_line(LogLevel::kDebug, argv[0] + ": exit " + std::to_string(result.exit_code));
  return result;
}

std::string run_checked(const std::vector<std::string>& argv, std::string_view input) {
  ProcessResult result = run_process(argv, input);
  if (result.exit_code != 0) {
    std::string err = result.err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    Fail() << command_line(argv) << " failed (exit " << result.exit_code << ")"
           << (err.empty() ? "" : ": ") << err;
  }
  return result.out;
}

struct BackgroundProcess::Child {
  bp::child child;
};

namespace {

// Runs in the child between fork and exec: no inherited blocked signals (a
// daemon that cannot get SIGTERM could only be killed); a session of its own,
// so a terminal's Ctrl-C (SIGINT to the foreground process group) or hangup
// reaches only us, and we stop it when we are ready (a daemon that ended on
// the user's Ctrl-C would take the image away in the middle of a chunk);
// and SIGTERM when its parent thread goes away, so it never outlives us
// holding an image.
void prepare_background_child() {
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setsid();
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
}

// Makes `fd` the child's descriptor 3, kept open across exec.
void pass_descriptor(int fd) {
  constexpr int kPassedFd = 3;
  if (fd == kPassedFd) {
    ::fcntl(fd, F_SETFD, 0);
  } else {
    ::dup2(fd, kPassedFd);  // the copy has no FD_CLOEXEC
  }
}

// 255 when the status is not known (someone else reaped the child).
int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::string& log_path, int pass_fd)
    : command_(command_line(argv)) {
  if (argv.empty()) throw Error("BackgroundProcess: empty command");
  const std::string exe = find_program(argv[0]);
  if (exe.empty()) Fail() << "cannot run " << argv[0] << ": not found on PATH";
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  log_line(LogLevel::kVerbose,
           "run in the background: " + command_ + " (output to " + log_path + ")");
  try {
    child_ = std::make_unique<Child>(Child{bp::child(
        exe, bp::args(args), bp::std_in < bp::null, (bp::std_out & bp::std_err) > log_path,
        bp::extend::on_exec_setup = [pass_fd](auto&) {
          prepare_background_child();
          close_inherited_fds();
          if (pass_fd >= 0) pass_descriptor(pass_fd);
        })});
  } catch (const bp::process_error& e) {
    Fail() << "cannot run " << command_ << ": " << e.what();
  }
}

BackgroundProcess::~BackgroundProcess() {
  if (running()) kill_and_reap();
}

void BackgroundProcess::kill_and_reap() {
  assert(pid() > 0);  // kill(-1) would signal every process we may signal
  ::kill(pid(), SIGKILL);
  std::error_code error;
  child_->child.wait(error);
  exit_status_ = error ? 255 : decode_wait_status(child_->child.native_exit_code());
}

BackgroundProcess::BackgroundProcess(BackgroundProcess&&) noexcept = default;

int BackgroundProcess::pid() const { return child_ ? child_->child.id() : -1; }

bool BackgroundProcess::running() {
  if (!child_ || exit_status_ >= 0) return false;
  std::error_code error;
  if (child_->child.running(error)) return true;
  exit_status_ = error ? 255 : decode_wait_status(child_->child.native_exit_code());
  return false;
}

int BackgroundProcess::stop(std::chrono::milliseconds grace) {
  if (!running()) return exit_status_;
  assert(pid() > 0);
  ::kill(pid(), SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto next_term = std::chrono::steady_clock::now() + kTermRepeat;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    if (std::chrono::steady_clock::now() >= next_term) {
      ::kill(pid(), SIGTERM);
      next_term += kTermRepeat;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (running()) kill_and_reap();
  return exit_status_;
}

}  // namespace pv2luks
