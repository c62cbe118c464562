#include "lab/software_tpm.h"

#include <sys/prctl.h>
#include <sys/stat.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "common/error.h"
#include "common/process.h"

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace harness {

namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(5);

void make_state_dir(const std::string& state_dir) {
  std::error_code ec;
  if (fs::is_directory(state_dir, ec)) return;
  if (::mkdir(state_dir.c_str(), 0700) != 0) {
    Fail(kExitLab) << "--tpm " << state_dir << ": mkdir failed: " << errno_string();
  }
}

}  // namespace

void check_tpm_state_dir(const std::string& state_dir, const std::string& command) {
  if (state_dir.empty()) return;
  if (state_dir.find(',') != std::string::npos) {
    Fail(kExitUsage) << command << ": --tpm " << state_dir
                     << ": swtpm cannot take a comma in its state directory; choose another";
  }
  std::error_code ec;
  if (fs::exists(state_dir, ec) && !fs::is_directory(state_dir, ec)) {
    Fail(kExitUsage) << command << ": --tpm " << state_dir << ": not a directory";
  }
}

struct SoftwareTpm::Impl {
  bp::child child;
};

SoftwareTpm::SoftwareTpm(const std::string& state_dir, const std::string& run_dir)
    : socket_(run_dir + "/swtpm.sock"), impl_(new Impl) {
  check_tpm_state_dir(state_dir, "swtpm");
  const std::string exe = find_program("swtpm");
  if (exe.empty()) {
    Fail(kExitLab) << "--tpm needs swtpm (Debian: apt-get install swtpm); it is not on PATH";
  }
  make_state_dir(state_dir);
  const std::string log = run_dir + "/swtpm.log";
  const auto die_with_parent = [](auto&) { ::prctl(PR_SET_PDEATHSIG, SIGKILL); };
  try {
    impl_->child = bp::child(exe,
                             bp::args({"socket", "--tpm2", "--terminate", "--tpmstate",
                                       "dir=" + state_dir + ",mode=0600", "--ctrl",
                                       "type=unixio,path=" + socket_, "--log",
                                       "file=" + log + ",level=1"}),
                             bp::std_in < bp::null, bp::std_out > log + ".out",
                             bp::std_err > log + ".err",
                             bp::extend::on_exec_setup = die_with_parent);
  } catch (const bp::process_error& e) {
    Fail(kExitLab) << "cannot start swtpm (" << exe << "): " << e.what();
  }
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!fs::exists(socket_)) {
    if (!impl_->child.running()) {
      Fail(kExitLab) << "swtpm for --tpm " << state_dir << " ended at once (exit "
                     << impl_->child.exit_code() << "); see " << log << ".err";
    }
    if (std::chrono::steady_clock::now() > deadline) {
      Fail(kExitLab) << "swtpm for --tpm " << state_dir << " made no socket in 10 s";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

SoftwareTpm::~SoftwareTpm() {
  std::error_code ec;
  if (!impl_->child.valid()) return;
  // After QEMU: --terminate has ended swtpm, or will in a moment; a
  // SIGTERM otherwise, so swtpm still writes its state out.
  if (!impl_->child.wait_for(kStopTimeout, ec) && impl_->child.running(ec)) {
    ::kill(impl_->child.id(), SIGTERM);
    if (!impl_->child.wait_for(kStopTimeout, ec)) impl_->child.terminate(ec);
  }
}

}  // namespace harness
