#include "report.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace cli {

namespace {

// A JSON string literal of `text`.
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// cryptsetup writes its numbers as decimal strings; so do we, for its fields.
std::string json_count(std::uint64_t value) { return "\"" + std::to_string(value) + "\""; }

const char* status_word(pv2luks::ConvertStatus status) {
  switch (status) {
    case pv2luks::ConvertStatus::kDone: return "done";
    case pv2luks::ConvertStatus::kRefused: return "refused";
    case pv2luks::ConvertStatus::kStopped: return "stopped";
    case pv2luks::ConvertStatus::kFailed: return "failed";
  }
  return "failed";
}

const char* reason_word(pv2luks::RefuseReason reason) {
  switch (reason) {
    case pv2luks::RefuseReason::kBadPassphrase: return "bad_passphrase";
    case pv2luks::RefuseReason::kNoPermission: return "no_permission";
    case pv2luks::RefuseReason::kBusy: return "busy";
    case pv2luks::RefuseReason::kWrongDevice: return "wrong_device";
    case pv2luks::RefuseReason::kOutOfMemory: return "out_of_memory";
    case pv2luks::RefuseReason::kOther: return "other";
  }
  return "other";
}

}  // namespace

int refusal_exit_code(pv2luks::RefuseReason reason) {
  switch (reason) {
    case pv2luks::RefuseReason::kBadPassphrase:
    case pv2luks::RefuseReason::kNoPermission: return kExitNoPermission;
    case pv2luks::RefuseReason::kOutOfMemory: return kExitNoMemory;
    case pv2luks::RefuseReason::kWrongDevice: return kExitWrongDevice;
    case pv2luks::RefuseReason::kBusy: return kExitBusy;
    case pv2luks::RefuseReason::kOther: return kExitRefused;
  }
  return kExitRefused;
}

int exit_code_of(pv2luks::ConvertStatus status, pv2luks::RefuseReason reason) {
  switch (status) {
    case pv2luks::ConvertStatus::kDone: return kExitOk;
    case pv2luks::ConvertStatus::kRefused: return refusal_exit_code(reason);
    case pv2luks::ConvertStatus::kStopped: return kExitStopped;
    case pv2luks::ConvertStatus::kFailed: return kExitFailed;
  }
  return kExitFailed;
}

ProgressReport::ProgressReport(bool json, std::string device)
    : json_(json), tty_(::isatty(STDERR_FILENO) != 0), device_(std::move(device)) {}

void ProgressReport::operator()(const pv2luks::Progress& p) {
  const auto now = std::chrono::steady_clock::now();
  if (!started_) started_ = now;
  const double seconds = std::chrono::duration<double>(now - *started_).count();
  const double rate = seconds > 0 ? static_cast<double>(p.done_bytes) / seconds : 0;
  const double eta = rate > 0 ? static_cast<double>(p.total_bytes - p.done_bytes) / rate : 0;
  if (json_) {
    const std::string line =
        "{\"device\":" + json_string(device_) + ",\"device_bytes\":" + json_count(p.done_bytes) +
        ",\"device_size\":" + json_count(p.total_bytes) +
        ",\"speed\":" + json_count(static_cast<std::uint64_t>(rate)) +
        ",\"eta_ms\":" + json_count(static_cast<std::uint64_t>(eta * 1000)) +
        ",\"time_ms\":" + json_count(static_cast<std::uint64_t>(seconds * 1000)) +
        ",\"phase\":" + json_string(p.phase) + ",\"chunks_done\":" + std::to_string(p.chunks_done) +
        ",\"chunk_count\":" + std::to_string(p.chunk_count) + "}\n";
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
    return;
  }
  const double percent = p.total_bytes ? 100.0 * static_cast<double>(p.done_bytes) /
                                             static_cast<double>(p.total_bytes)
                                       : 100.0;
  std::fprintf(stderr, "%s%-6s %5.1f%%  %7.1f MiB/s  ETA %4.0f s%s", tty_ ? "\r" : "",
               p.phase.c_str(), percent, rate / (1024 * 1024), eta, tty_ ? "" : "\n");
  if (tty_ && p.done_bytes == p.total_bytes) std::fputc('\n', stderr);
}

void say(const std::string& line) { std::fprintf(stderr, "pv2luks: %s\n", line.c_str()); }

bool confirm_on_terminal(const std::string& summary) {
  std::FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) {
    std::fprintf(stderr,
                 "pv2luks: no terminal to confirm on; pass --yes (or -q, --batch-mode) to convert "
                 "anyway\n");
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

void print_json_result(int exit_code, const std::string& status, const std::string& message) {
  std::printf("{\"status\":%s,\"exit_code\":%d,\"message\":%s}\n", json_string(status).c_str(),
              exit_code, json_string(message).c_str());
  std::fflush(stdout);
}

int report(const pv2luks::ConvertResult& result, const std::string& device, bool dry_run,
           bool json) {
  const int code = exit_code_of(result.status, result.reason);
  switch (result.status) {
    case pv2luks::ConvertStatus::kDone:
      if (!dry_run) {
        say("done: " + device + " is now LUKS; crypttab line:");
        // The crypttab line is stdout's one line without --progress-json;
        // with it, a field of the result object.
        if (json) {
          say(result.crypttab_line);
        } else {
          std::printf("%s\n", result.crypttab_line.c_str());
          std::fflush(stdout);
        }
        for (const std::string& line : result.advice) say(line);
      }
      break;
    case pv2luks::ConvertStatus::kRefused:
      std::fprintf(stderr, "pv2luks: %s\npv2luks: nothing was written\n", result.message.c_str());
      break;
    case pv2luks::ConvertStatus::kStopped:
    case pv2luks::ConvertStatus::kFailed:
      say(result.message);
      break;
  }
  if (json) {
    std::string line = "{\"status\":" + json_string(status_word(result.status)) +
                       ",\"exit_code\":" + std::to_string(code) +
                       ",\"device\":" + json_string(device);
    if (result.status == pv2luks::ConvertStatus::kDone) {
      line += ",\"dry_run\":" + std::string(dry_run ? "true" : "false");
      if (!dry_run) {
        line += ",\"luks_uuid\":" + json_string(result.luks_uuid) +
                ",\"crypttab_line\":" + json_string(result.crypttab_line);
      }
    } else {
      if (result.status == pv2luks::ConvertStatus::kRefused) {
        line += ",\"reason\":" + json_string(reason_word(result.reason));
      }
      line += ",\"message\":" + json_string(result.message);
    }
    line += "}\n";
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
  }
  return code;
}

}  // namespace cli
