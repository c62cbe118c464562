// load start: check the command line and the targets, then fork the writer
// and return once it has acknowledged a write to every target.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>

#include "common/error.h"
#include "common/size.h"
#include "load/commands.h"
#include "load/options.h"
#include "load/stamp.h"
#include "load/writer.h"
#include "load/writer_id.h"

namespace harness::load {
namespace {

const char kHelp[] =
    "Usage: pv2luks-harness load start --log DIR [--dir MOUNTPOINT]... [--raw DEVICE]...\n"
    "                                  [options]\n"
    "\n"
    "Starts a background writer (pid in DIR/writer.pid, output in DIR/writer.out)\n"
    "and returns once every target has had an acknowledged write. Each run\n"
    "appends a new log segment DIR/load.NNNN.log.\n"
    "\n"
    "  --log DIR            log directory, on storage independent of the targets\n"
    "  --dir MOUNTPOINT     rewrite MOUNTPOINT/load-NNN.dat in rounds (repeatable)\n"
    "  --raw DEVICE         O_DIRECT|O_DSYNC block writes to DEVICE or a regular\n"
    "                       file (repeatable); its whole content is overwritten\n"
    "  --seed N             content seed (default: random, printed)\n"
    "  --files N            files per directory (default 16)\n"
    "  --file-size BYTES    size of each file (default 64K)\n"
    "  --block-size BYTES   raw write size, a multiple of 4K (default 64K)\n"
    "  --raw-span BYTES     write only the first BYTES of each raw target\n"
    "                       (default: all of it)\n"
    "  --pause-ms N         sleep N ms after each round (default 0)\n";

constexpr std::chrono::seconds kReadyTimeout{120};

void refuse_duplicates(const std::vector<std::string>& paths, const char* option) {
  for (std::size_t i = 0; i < paths.size(); ++i) {
    for (std::size_t j = i + 1; j < paths.size(); ++j) {
      if (paths[i] == paths[j]) Fail(kExitUsage) << option << " " << paths[i] << " is given twice";
    }
  }
}

WriterOptions parse_options(const Args& args) {
  WriterOptions options;
  options.log_dir = log_option(args);
  for (const auto& dir : args.values("--dir")) options.dirs.push_back(normalize_path(dir));
  for (const auto& raw : args.values("--raw")) options.raws.push_back(normalize_path(raw));
  if (options.dirs.empty() && options.raws.empty()) {
    Fail(kExitUsage) << "load start: give at least one --dir or --raw target";
  }
  options.seed = count_option(args, "--seed", std::random_device{}() & 0xffffffffu);
  options.files = count_option(args, "--files", 16, 1);
  options.file_size_bytes = size_option(args, "--file-size", 64 * 1024);
  options.block_size_bytes = size_option(args, "--block-size", 64 * 1024);
  options.raw_span_bytes = size_option(args, "--raw-span", 0);
  options.pause_ms = count_option(args, "--pause-ms", 0);
  refuse_duplicates(options.dirs, "--dir");
  refuse_duplicates(options.raws, "--raw");
  if (options.file_size_bytes < kStampHeaderBytes) {
    Fail(kExitUsage) << "--file-size must be at least " << kStampHeaderBytes << " bytes";
  }
  if (options.block_size_bytes == 0 || options.block_size_bytes % kRawAlignBytes != 0) {
    Fail(kExitUsage) << "--block-size must be a positive multiple of " << kRawAlignBytes;
  }
  return options;
}

// The log must survive what happens to the targets: it may not live on a raw
// target, and sharing a filesystem with a --dir only deserves a note (the
// host tests do it; the lab keeps the log on a 9p share).
void check_log_independent(const WriterOptions& options) {
  struct stat log {};
  if (::stat(options.log_dir.c_str(), &log) != 0) return;
  for (const std::string& raw : options.raws) {
    struct stat target {};
    if (::stat(raw.c_str(), &target) == 0 && S_ISBLK(target.st_mode) &&
        target.st_rdev == log.st_dev) {
      Fail(kExitUsage) << "--log " << options.log_dir.string() << " is on --raw " << raw
                       << ", which the writer overwrites";
    }
  }
  for (const std::string& dir : options.dirs) {
    struct stat target {};
    if (::stat(dir.c_str(), &target) == 0 && target.st_dev == log.st_dev) {
      std::cout << "load: note: --log " << options.log_dir.string()
                << " shares a filesystem with --dir " << dir
                << ": a lost write there could take its record with it" << std::endl;
    }
  }
}

void prepare_log_dir(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) Fail(kExitUsage) << "--log " << dir.string() << ": cannot create: " << error.message();
  check_writable_directory(dir, "--log");
  const auto id = read_writer_id(writer_pid_path(dir));
  if (id && writer_alive(*id)) {
    Fail(kExitUsage) << "--log " << dir.string() << ": a writer (pid " << id->pid
                     << ") is already running; run 'load stop --log " << dir.string() << "' first";
  }
}

// In the child: its own session, no terminal, output to writer.out.
void become_daemon(int out_fd) {
  ::setsid();
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(out_fd, STDERR_FILENO);
  if (::chdir("/") != 0) std::perror("chdir /");
}

// Reads the child's first word: "ready", or "error: ..." (or nothing).
std::string await_ready(int fd) {
  std::string message;
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    struct pollfd poll_fd {
      fd, POLLIN, 0
    };
    const int polled = left.count() <= 0 ? 0 : ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (polled < 0 && errno == EINTR) continue;
    if (polled == 0) {
      return "error: no first write within " + std::to_string(kReadyTimeout.count()) + " s";
    }
    char buffer[512];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return message;
    message.append(buffer, static_cast<std::size_t>(n));
  }
}

pid_t fork_writer(Writer& writer, int out_fd, int& ready_read_fd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) Fail() << "load start: pipe failed: " << errno_string();
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) Fail() << "load start: fork failed: " << errno_string();
  if (pid == 0) {
    ::close(fds[0]);
    become_daemon(out_fd);
    const int code = writer.run(fds[1]);
    std::cout.flush();
    std::fflush(nullptr);
    ::_exit(code);
  }
  ::close(fds[1]);
  ready_read_fd = fds[0];
  return pid;
}

void launch(Writer& writer, const WriterOptions& options) {
  const Fd out =
      open_or_fail(writer_out_path(options.log_dir), O_WRONLY | O_CREAT | O_APPEND, kExitUsage);
  int ready_fd = -1;
  const pid_t pid = fork_writer(writer, out.get(), ready_fd);
  const Fd ready(ready_fd);
  auto id = identify_process(pid);  // our unreaped child: /proc/PID stays until we exit
  if (!id) Fail() << "load start: writer (pid " << pid << ") vanished at once";
  id->segment = writer.segment().filename().string();
  write_writer_id(writer_pid_path(options.log_dir), *id);
  const std::string answer = await_ready(ready.get());
  if (answer != "ready\n") {
    ::kill(pid, SIGTERM);
    std::string why = answer.rfind("error: ", 0) == 0 ? answer.substr(7) : "it exited";
    if (!why.empty() && why.back() == '\n') why.pop_back();
    Fail() << "load start: the writer failed before its first writes: " << why << " (see "
           << writer_out_path(options.log_dir).string() << ")";
  }
  std::cout << "load: writer started (pid " << pid << "): " << options.dirs.size() << " dir(s), "
            << options.raws.size() << " raw target(s), seed " << options.seed << ", log "
            << writer.segment().string() << std::endl;
}

}  // namespace

int start_command(const std::vector<std::string>& words) {
  const Args args(words,
                  {"--log", "--dir", "--raw", "--seed", "--files", "--file-size", "--block-size",
                   "--raw-span", "--pause-ms"},
                  {"--help"});
  if (args.has("--help")) {
    std::cout << kHelp;
    return 0;
  }
  if (!args.positional().empty()) {
    Fail(kExitUsage) << "load start: unexpected argument '" << args.positional()[0] << "'";
  }
  const WriterOptions options = parse_options(args);
  prepare_log_dir(options.log_dir);
  check_log_independent(options);
  const AckIndex earlier = index_acks(read_log_dir(options.log_dir));
  Writer writer(options, earlier);
  launch(writer, options);
  return 0;
}

}  // namespace harness::load
