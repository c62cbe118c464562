#include "report.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace cli {

ProgressReport::ProgressReport(bool json) : json_(json), tty_(::isatty(STDERR_FILENO) != 0) {}

void ProgressReport::operator()(const pv2luks::Progress& p) {
  const auto now = std::chrono::steady_clock::now();
  if (!started_) started_ = now;
  const double seconds = std::chrono::duration<double>(now - *started_).count();
  const double rate = seconds > 0 ? static_cast<double>(p.done_bytes) / seconds : 0;
  if (json_) {
    std::printf("{\"phase\":\"%s\",\"done_bytes\":%llu,\"total_bytes\":%llu,\"rate_bytes_per_s\":%.0f}\n",
                p.phase.c_str(), static_cast<unsigned long long>(p.done_bytes),
                static_cast<unsigned long long>(p.total_bytes), rate);
    std::fflush(stdout);
    return;
  }
  const double percent = p.total_bytes ? 100.0 * static_cast<double>(p.done_bytes) /
                                             static_cast<double>(p.total_bytes)
                                       : 100.0;
  const double eta = rate > 0 ? static_cast<double>(p.total_bytes - p.done_bytes) / rate : 0;
  std::fprintf(stderr, "%s%-6s %5.1f%%  %7.1f MiB/s  ETA %4.0f s%s", tty_ ? "\r" : "",
               p.phase.c_str(), percent, rate / (1024 * 1024), eta, tty_ ? "" : "\n");
  if (tty_ && p.done_bytes == p.total_bytes) std::fputc('\n', stderr);
}

void say(const std::string& line) { std::fprintf(stderr, "pv2luks: %s\n", line.c_str()); }

bool confirm_on_terminal(const std::string& summary) {
  std::FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) {
    std::fprintf(stderr, "pv2luks: no terminal to confirm on; pass --yes to convert anyway\n");
    return false;
  }
  std::fprintf(tty, "\nWARNING!\n========\n%s\n\nAre you sure? (Type 'yes' in capital letters): ",
               summary.c_str());
  std::fflush(tty);
  char answer[16] = {};
  const bool yes = std::fgets(answer, sizeof answer, tty) && std::strcmp(answer, "YES\n") == 0;
  std::fclose(tty);
  return yes;
}

int report(const pv2luks::ConvertResult& result, const std::string& device, bool dry_run) {
  switch (result.status) {
    case pv2luks::ConvertStatus::kDone:
      if (!dry_run) {
        say("done: " + device + " is now LUKS; crypttab line:");
        std::printf("%s\n", result.crypttab_line.c_str());
        std::fflush(stdout);
        for (const std::string& line : result.advice) say(line);
      }
      return kExitOk;
    case pv2luks::ConvertStatus::kRefused:
      std::fprintf(stderr, "pv2luks: %s\npv2luks: nothing was written\n", result.message.c_str());
      return kExitRefused;
    case pv2luks::ConvertStatus::kStopped:
      say(result.message);
      return kExitStopped;
    case pv2luks::ConvertStatus::kFailed:
      say(result.message);
      return kExitFailed;
  }
  return kExitFailed;
}

}  // namespace cli
