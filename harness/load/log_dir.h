// The log directory (--log DIR). It must live on storage independent of the
// targets. It holds one log segment per writer run (load.0001.log, ...), so a
// run that ended in a power cut keeps its torn last record where verify expects
// it, plus writer.pid and writer.out of the latest run.
#pragma once

#include <filesystem>
#include <vector>

#include "load/log_record.h"
#include "common/posix_io.h"

namespace harness::load {

struct LogSegment {
  std::filesystem::path path;
  ParsedLog parsed;
};

// Every segment in run order. A damaged record that is not the last of its
// segment is an Error.
std::vector<LogSegment> read_log_dir(const std::filesystem::path& dir);

// The name the next run's segment gets.
std::filesystem::path next_segment_path(const std::filesystem::path& dir);

std::filesystem::path writer_pid_path(const std::filesystem::path& dir);
std::filesystem::path writer_out_path(const std::filesystem::path& dir);

// Appends records to a new segment; each append is durable when it returns.
class LogAppender {
 public:
  // Creates the segment (it must not exist) and makes its name durable.
  explicit LogAppender(const std::filesystem::path& path);
  void append(const LogRecord& record);  // write, then fsync: the acknowledgement
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  Fd fd_;
};

}  // namespace harness::load
