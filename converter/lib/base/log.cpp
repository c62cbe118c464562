#include "base/log.h"

#include <mutex>
#include <utility>

namespace pv2luks {

namespace {

struct Log {
  std::mutex mutex;
  LogLevel level = LogLevel::kQuiet;
  MessageFn sink;
};

Log& the_log() {
  static Log log;
  return log;
}

}  // namespace

void set_log(LogLevel level, MessageFn log) {
  Log& l = the_log();
  const std::lock_guard lock(l.mutex);
  l.level = log ? level : LogLevel::kQuiet;
  l.sink = std::move(log);
}

bool log_enabled(LogLevel level) {
  Log& l = the_log();
  const std::lock_guard lock(l.mutex);
  return level != LogLevel::kQuiet && static_cast<int>(level) <= static_cast<int>(l.level);
}

void log_line(LogLevel level, const std::string& line) {
  Log& l = the_log();
  const std::lock_guard lock(l.mutex);
  if (level == LogLevel::kQuiet || static_cast<int>(level) > static_cast<int>(l.level)) return;
  l.sink(line);
}

}  // namespace pv2luks
