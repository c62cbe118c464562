// Records of the load log. One text line each:
//   F dir=/mnt/a index=3 gen=17 seed=42 sha256=<hex> #<checksum>
// The checksum (first 16 hex digits of the sha256 of everything before " #")
// lets a reader tell a complete record from a torn or damaged one. Values are
// percent-escaped so paths with spaces survive.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace harness::load {

struct RunStart {  // a writer began a run (one per log segment)
  std::uint64_t seed = 0;
  std::uint64_t pid = 0;
};

struct FileWrite {  // a data file was durably replaced (the acknowledgement)
  std::string dir;
  std::uint64_t index = 0;
  std::uint64_t generation = 0;
  std::uint64_t seed = 0;
  std::string sha256;  // of the payload
};

struct RawWrite {  // an O_DIRECT|O_DSYNC block write returned (the acknowledgement)
  std::string device;
  std::uint64_t block_size_bytes = 0;
  std::uint64_t block = 0;
  std::uint64_t sequence = 0;
  std::uint64_t seed = 0;
  std::string sha256;  // of the payload
};

struct RunEnd {  // the writer stopped cleanly on request
  std::uint64_t file_writes = 0;
  std::uint64_t raw_writes = 0;
};

struct WriterFailure {  // the writer stopped on an error
  std::string message;
};

using LogRecord = std::variant<RunStart, FileWrite, RawWrite, RunEnd, WriterFailure>;

// One line, newline included.
std::string encode_record(const LogRecord& record);

// A line without its newline; nullopt when torn or damaged.
std::optional<LogRecord> decode_record(std::string_view line);

struct ParsedLog {
  std::vector<LogRecord> records;
  std::uint64_t torn_tail_bytes = 0;  // an incomplete last record, ignored
};

// Parses a whole log segment. A damaged last record is a torn append (a power
// cut while writing it: never acknowledged) and is counted, not returned; a
// damaged record anywhere else is an Error naming `name` and the line.
ParsedLog parse_log(std::string_view text, const std::string& name);

}  // namespace harness::load
