#include "lab/qemu_process.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "common/process.h"

namespace bp = boost::process;

namespace harness {

struct QemuProcess::Impl {
  bp::ipstream output;
  bp::pipe input;
  bp::child child;
  std::thread reader;
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::string> lines;
  std::string partial;  // the line being received
  bool ended = false;
  bool reaped = false;

  // Character by character, so a prompt without a newline is seen too.
  void read_all() {
    char c = 0;
    while (output.get(c)) {
      std::lock_guard lock(mutex);
      if (c != '\n') {
        partial += c;
        continue;
      }
      lines.push_back(std::move(partial));
      partial.clear();
      ready.notify_one();
    }
    std::lock_guard lock(mutex);
    if (!partial.empty()) lines.push_back(std::move(partial));
    partial.clear();
    ended = true;
    ready.notify_one();
  }
};

QemuProcess::QemuProcess(const std::vector<std::string>& argv, bool with_input)
    : impl_(new Impl) {
  const std::string exe = find_program(argv.at(0));
  if (exe.empty()) Fail(kExitLab) << "cannot start QEMU: " << argv[0] << " not found on PATH";
  const auto die_with_parent = [](auto&) { ::prctl(PR_SET_PDEATHSIG, SIGKILL); };
  const std::vector<std::string> args(argv.begin() + 1, argv.end());
  try {
    if (with_input) {
      impl_->child = bp::child(exe, bp::args(args), bp::std_in < impl_->input,
                               (bp::std_out & bp::std_err) > impl_->output,
                               bp::extend::on_exec_setup = die_with_parent);
      // Boost closed the read end in this process already; forget its number.
      impl_->input.assign_source(-1);
    } else {
      impl_->child = bp::child(exe, bp::args(args), bp::std_in < bp::null,
                               (bp::std_out & bp::std_err) > impl_->output,
                               bp::extend::on_exec_setup = die_with_parent);
    }
  } catch (const bp::process_error& e) {
    Fail(kExitLab) << "cannot start QEMU (" << exe << "): " << e.what();
  }
  impl_->reader = std::thread([this] { impl_->read_all(); });
}

QemuProcess::~QemuProcess() {
  try {
    kill();
  } catch (...) {
  }
  if (impl_->reader.joinable()) impl_->reader.join();
}

QemuProcess::ReadStatus QemuProcess::read_line(std::string& line, Clock::time_point deadline) {
  std::unique_lock lock(impl_->mutex);
  const bool any = impl_->ready.wait_until(
      lock, deadline, [this] { return !impl_->lines.empty() || impl_->ended; });
  if (!any) return ReadStatus::kTimeout;
  if (impl_->lines.empty()) return ReadStatus::kEnd;
  line = std::move(impl_->lines.front());
  impl_->lines.pop_front();
  return ReadStatus::kLine;
}

std::string QemuProcess::partial_line() {
  std::lock_guard lock(impl_->mutex);
  return impl_->partial;
}

void QemuProcess::write_input(const std::uint8_t* data, std::size_t size_bytes) {
  const int fd = impl_->input.native_sink();
  std::size_t done = 0;
  while (done < size_bytes) {
    const ssize_t wrote = ::write(fd, data + done, size_bytes - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) Fail(kExitLab) << "cannot write to QEMU's standard input: " << errno_string();
    done += static_cast<std::size_t>(wrote);
  }
}

// Boost's terminate() reaps with WNOHANG and may leave a zombie; this waits.
void QemuProcess::kill() {
  if (!impl_->child.valid() || impl_->reaped) return;
  const pid_t pid = impl_->child.id();
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  impl_->reaped = true;
  impl_->child.detach();
}

int QemuProcess::wait() {
  std::error_code ec;
  impl_->child.wait(ec);
  impl_->reaped = true;
  return impl_->child.exit_code();
}

}  // namespace harness
