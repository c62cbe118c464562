// A QEMU child process whose console arrives as lines, read with deadlines.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace harness {

class QemuProcess {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts argv with standard output and error merged into one line stream.
  // The child gets SIGKILL if the harness dies. Failing to start is an Error
  // with kExitLab. With `with_input` its standard input is a pipe that
  // write_input() feeds (the guest's console with -serial stdio); otherwise
  // /dev/null.
  explicit QemuProcess(const std::vector<std::string>& argv, bool with_input = false);
  ~QemuProcess();  // kills and reaps the child if it is still running
  QemuProcess(const QemuProcess&) = delete;
  QemuProcess& operator=(const QemuProcess&) = delete;

  enum class ReadStatus { kLine, kEnd, kTimeout };
  // Waits until `deadline` for the next line.
  ReadStatus read_line(std::string& line, Clock::time_point deadline);
  // What arrived after the last newline so far: a prompt waiting for input.
  std::string partial_line();
  // Writes the bytes to the child's standard input, unbuffered (no copy is
  // kept here); with_input only. An Error when the pipe is gone.
  void write_input(const std::uint8_t* data, std::size_t size_bytes);

  // SIGKILL: the power cut. Returns once the process is gone.
  void kill();
  // Waits for the process to end by itself; its exit code (or -signal).
  int wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace harness
