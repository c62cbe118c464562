// The acknowledged writes of a load log, grouped by the place they went to:
// per data file and per raw block, every acknowledged sequence (generation for
// files) and the newest one with its seed and payload hash.
#pragma once

#include <compare>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "load/log_dir.h"

namespace harness::load {

struct LocationAcks {
  std::vector<std::uint64_t> sequences;  // every acknowledged one, in log order
  std::uint64_t max_sequence = 0;
  std::uint64_t max_seed = 0;
  std::string max_sha256;

  void add(std::uint64_t sequence, std::uint64_t seed, const std::string& sha256);
  // How many acknowledged writes are newer than `sequence` (lost if it is on disk).
  std::uint64_t count_newer_than(std::uint64_t sequence) const;
};

struct FileKey {
  std::string dir;
  std::uint64_t index = 0;
  auto operator<=>(const FileKey&) const = default;
};

struct BlockKey {
  std::string device;
  std::uint64_t block_size_bytes = 0;
  std::uint64_t block = 0;
  auto operator<=>(const BlockKey&) const = default;
};

struct TornTail {
  std::filesystem::path segment;
  std::uint64_t bytes = 0;
};

struct AckIndex {
  std::map<FileKey, LocationAcks> files;
  std::map<BlockKey, LocationAcks> blocks;
  std::set<std::uint64_t> seeds;  // every seed a run or a record used
  std::uint64_t file_records = 0;
  std::uint64_t raw_records = 0;
  std::vector<std::string> writer_failures;  // messages of WriterFailure records
  std::vector<TornTail> torn_tails;
};

AckIndex index_acks(const std::vector<LogSegment>& segments);

}  // namespace harness::load
