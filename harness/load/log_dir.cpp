#include "load/log_dir.h"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <regex>

#include "common/error.h"

namespace harness::load {
namespace {

const std::regex kSegmentName(R"(load\.(\d{4,9})\.log)");

unsigned long segment_number(const std::filesystem::path& path) {
  std::smatch match;
  const std::string name = path.filename().string();
  return std::regex_match(name, match, kSegmentName) ? std::stoul(match[1].str()) : 0;
}

// Every segment of `dir`, in run order.
std::vector<std::filesystem::path> segment_paths(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (std::regex_match(entry.path().filename().string(), kSegmentName)) {
      paths.push_back(entry.path());
    }
  }
  if (error) Fail() << dir.string() << ": reading the directory failed: " << error.message();
  std::sort(paths.begin(), paths.end(),
            [](const auto& a, const auto& b) { return segment_number(a) < segment_number(b); });
  return paths;
}

}  // namespace

std::vector<LogSegment> read_log_dir(const std::filesystem::path& dir) {
  std::vector<LogSegment> segments;
  for (const auto& path : segment_paths(dir)) {
    const auto text = read_file_uncached(path);
    if (!text) Fail() << path.string() << ": vanished while reading the log";
    segments.push_back({path, parse_log(*text, path.string())});
  }
  return segments;
}

std::filesystem::path next_segment_path(const std::filesystem::path& dir) {
  const auto paths = segment_paths(dir);
  const unsigned long number = paths.empty() ? 1 : segment_number(paths.back()) + 1;
  char name[32];
  std::snprintf(name, sizeof name, "load.%04lu.log", number);
  return dir / name;
}

std::filesystem::path writer_pid_path(const std::filesystem::path& dir) {
  return dir / "writer.pid";
}

std::filesystem::path writer_out_path(const std::filesystem::path& dir) {
  return dir / "writer.out";
}

LogAppender::LogAppender(const std::filesystem::path& path)
    : path_(path), fd_(open_or_fail(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, kExitUsage)) {
  fsync_or_fail(fd_.get(), path_);
  fsync_directory(path_.parent_path());
}

void LogAppender::append(const LogRecord& record) {
  write_all(fd_.get(), encode_record(record), path_);
  fsync_or_fail(fd_.get(), path_);
}

}  // namespace harness::load
