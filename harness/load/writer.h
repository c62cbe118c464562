// The background writer: rounds of file and raw writes, each acknowledged by a
// durable log record only after the write itself is durable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "load/acks.h"
#include "load/file_target.h"
#include "load/log_dir.h"
#include "load/raw_target.h"

namespace harness::load {

struct WriterOptions {
  std::filesystem::path log_dir;
  std::vector<std::string> dirs;  // normalized
  std::vector<std::string> raws;  // normalized
  std::uint64_t seed = 0;
  std::uint64_t files = 16;
  std::uint64_t file_size_bytes = 64 * 1024;
  std::uint64_t block_size_bytes = 64 * 1024;
  std::uint64_t raw_span_bytes = 0;  // 0: the whole target
  std::uint64_t pause_ms = 0;
};

class Writer {
 public:
  // Opens every target and a new log segment; usage Errors for bad targets.
  // Numbering continues past the writes `earlier` runs acknowledged.
  Writer(const WriterOptions& options, const AckIndex& earlier);

  const std::filesystem::path& segment() const { return log_->path(); }

  // Writes until SIGTERM or SIGINT, then finishes the current write, appends
  // the end record and returns 0; on an error appends a failure record and
  // returns 1. Writes "ready\n" (or "error: ...\n") to `ready_fd` once every
  // target has had an acknowledged write.
  int run(int ready_fd);

 private:
  void round();
  void write_file(FileTarget& target);
  void write_raw(std::size_t which);
  void pause() const;

  WriterOptions options_;
  std::optional<LogAppender> log_;  // opened last, once every target is good
  std::vector<FileTarget> files_;
  std::vector<RawTarget> raws_;
  std::map<FileKey, std::uint64_t> next_generation_;
  std::vector<std::uint64_t> next_sequence_;  // per raw target
  std::mt19937_64 random_;
  std::uint64_t round_ = 0;
  std::uint64_t file_writes_ = 0;
  std::uint64_t raw_writes_ = 0;
};

}  // namespace harness::load
