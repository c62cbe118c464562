#include "lab/qemu_process.h"

#include <sys/prctl.h>
#include <sys/wait.h>

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
  bp::child child;
  std::thread reader;
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::string> lines;
  bool ended = false;
  bool reaped = false;

  void read_all() {
    std::string line;
    while (std::getline(output, line)) {
      std::lock_guard lock(mutex);
      lines.push_back(line);
      ready.notify_one();
    }
    std::lock_guard lock(mutex);
    ended = true;
    ready.notify_one();
  }
};

QemuProcess::QemuProcess(const std::vector<std::string>& argv) : impl_(new Impl) {
  const std::string exe = find_program(argv.at(0));
  if (exe.empty()) Fail(kExitLab) << "cannot start QEMU: " << argv[0] << " not found on PATH";
  try {
    impl_->child = bp::child(
        exe, bp::args(std::vector<std::string>(argv.begin() + 1, argv.end())),
        bp::std_in<bp::null, (bp::std_out & bp::std_err)> impl_->output,
        bp::extend::on_exec_setup = [](auto&) { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
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
