// Child processes (the lvm tools, losetup, ...), all through Boost.Process.
// The converter never runs dmsetup or cryptsetup: those are in-process.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pv2luks {

struct ProcessResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Runs argv (argv[0] searched on PATH when it has no slash), feeds `input` to its
// standard input, and captures both output streams. Failing to start it is an
// Error naming the command. `input` is written straight from where it lies to
// the pipe, with no copy (a passphrase in a SecureBuffer stays there); a child
// that exits without reading all of it is no error here (its exit code says
// what happened), and no SIGPIPE ends us.
ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input = {});

// As run_process, but a non-zero exit is an Error naming the command and quoting
// its standard error. Returns standard output.
std::string run_checked(const std::vector<std::string>& argv, std::string_view input = {});

// The command line as one string, for messages.
std::string command_line(const std::vector<std::string>& argv);

// Full path of an executable on PATH (a name with a slash as it is), or "".
std::string find_program(const std::string& name);

// A child left running in the background (a daemon such as qemu-storage-daemon),
// its standard output and error going to `log_path`, its standard input from
// /dev/null. It starts with no signals blocked (whatever this thread holds back),
// in a session of its own (signals for our terminal's process group, such as
// Ctrl-C's SIGINT, do not reach it: we decide when it stops), and gets SIGTERM
// when the thread that started it exits. Destroying it while it runs kills it
// (SIGKILL) and reaps it. `pass_fd` (when not -1) is the one descriptor it
// inherits, as its descriptor 3 (a listening socket for qemu-storage-daemon).
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_path,
                    int pass_fd = -1);
  ~BackgroundProcess();
  BackgroundProcess(BackgroundProcess&&) noexcept;
  BackgroundProcess& operator=(BackgroundProcess&&) = delete;
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  int pid() const;
  const std::string& command() const { return command_; }
  // True until it has exited (and been reaped).
  bool running();
  // Its exit status once it has exited: the exit code, or 128 + the signal
  // that killed it (as a shell reports it).
  int exit_status() const { return exit_status_; }
  // Sends SIGTERM, waits up to `grace` for it to exit, then SIGKILL. Returns
  // exit_status(). Does nothing but return it when it has already exited.
  // SIGTERM is sent again every kTermRepeat while it waits: qemu-storage-
  // daemon's handler only sets a flag that its main loop checks before it
  // blocks in ppoll, so a SIGTERM landing between the check and the ppoll
  // is not seen until something else wakes the loop (seen here about once
  // in 30 stops of an idle daemon; the next SIGTERM wakes it).
  int stop(std::chrono::milliseconds grace);
  static constexpr std::chrono::milliseconds kTermRepeat{250};

 private:
  struct Child;
  void kill_and_reap();
  std::unique_ptr<Child> child_;
  std::string command_;
  int exit_status_ = -1;
};

}  // namespace pv2luks
