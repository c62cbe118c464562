// load stop: SIGTERM the writer, wait for it, and report what its run's log
// segment says it acknowledged.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>
#include <variant>

#include "common/error.h"
#include "load/commands.h"
#include "load/log_dir.h"
#include "load/options.h"
#include "load/writer_id.h"

namespace harness::load {
namespace {

const char kHelp[] =
    "Usage: pv2luks-harness load stop --log DIR [--timeout S]\n"
    "\n"
    "Sends SIGTERM to the writer of DIR, waits until it has exited (it finishes\n"
    "its current write and logs an end record) and prints how many writes it had\n"
    "acknowledged. Fails if the writer was not running, failed, or does not exit.\n"
    "\n"
    "  --log DIR     the directory given to 'load start'\n"
    "  --timeout S   how long to wait for the writer to exit (default 60)\n";

bool wait_for_exit(const WriterId& id, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (writer_alive(id)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

struct RunSummary {
  std::uint64_t file_writes = 0;
  std::uint64_t raw_writes = 0;
  const LogRecord* last = nullptr;
};

RunSummary summarize(const ParsedLog& parsed) {
  RunSummary summary;
  for (const LogRecord& record : parsed.records) {
    if (std::holds_alternative<FileWrite>(record)) ++summary.file_writes;
    if (std::holds_alternative<RawWrite>(record)) ++summary.raw_writes;
    summary.last = &record;
  }
  return summary;
}

// Prints the run's summary; an Error unless the run ended with its end record.
void report_run(const std::filesystem::path& segment, const std::string& exit_note) {
  const auto text = read_file_uncached(segment);
  if (!text) Fail() << segment.string() << ": the writer's log segment is missing";
  const ParsedLog parsed = parse_log(*text, segment.string());
  const RunSummary summary = summarize(parsed);
  const std::string counts = std::to_string(summary.file_writes) + " file writes, " +
                             std::to_string(summary.raw_writes) + " raw writes acknowledged";
  if (summary.last && std::holds_alternative<RunEnd>(*summary.last)) {
    std::cout << "load: writer stopped: " << counts << std::endl;
    return;
  }
  if (summary.last && std::holds_alternative<WriterFailure>(*summary.last)) {
    Fail() << "load stop: the writer failed: " << std::get<WriterFailure>(*summary.last).message
           << " (" << counts << ")";
  }
  Fail() << "load stop: the writer " << exit_note << " without its end record (" << counts
         << "; see " << writer_out_path(segment.parent_path()).string() << ")";
}

}  // namespace

int stop_command(const std::vector<std::string>& words) {
  const Args args(words, {"--log", "--timeout"}, {"--help"});
  if (args.has("--help")) {
    std::cout << kHelp;
    return 0;
  }
  const std::filesystem::path log_dir = log_option(args);
  const double timeout_s = args.number("--timeout").value_or(60);
  const auto id = read_writer_id(writer_pid_path(log_dir));
  if (!id) {
    Fail(kExitUsage) << "--log " << log_dir.string()
                     << ": no writer.pid (no writer started there, or it was stopped already)";
  }
  const std::filesystem::path segment = log_dir / id->segment;
  if (!writer_alive(*id)) {  // stopped by someone else, failed, or killed
    report_run(segment, "(pid " + std::to_string(id->pid) + ") was not running: it ended");
    std::filesystem::remove(writer_pid_path(log_dir));
    return 0;
  }
  if (::kill(id->pid, SIGTERM) != 0 && errno != ESRCH) {
    Fail() << "load stop: kill " << id->pid << " failed: " << errno_string();
  }
  if (!wait_for_exit(*id, timeout_s)) {
    Fail() << "load stop: the writer (pid " << id->pid << ") did not exit within " << timeout_s
           << " s of SIGTERM";
  }
  std::filesystem::remove(writer_pid_path(log_dir));
  report_run(segment, "exited");
  return 0;
}

}  // namespace harness::load
