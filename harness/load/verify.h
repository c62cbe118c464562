// load verify, the check itself: every place the log says was written is read
// back (never written) and judged by the verify rule.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "load/acks.h"

namespace harness::load {

struct PathMaps {
  std::map<std::string, std::string> dirs;  // logged directory -> where to read it now
  std::map<std::string, std::string> raws;  // logged raw target -> where to read it now
};

struct VerifyReport {
  std::uint64_t file_records = 0;  // acknowledged writes checked
  std::uint64_t raw_records = 0;
  std::uint64_t file_places = 0;  // distinct files and blocks they went to
  std::uint64_t raw_places = 0;
  std::uint64_t failed_places = 0;
  std::uint64_t lost_writes = 0;  // acknowledged writes no longer on the targets
  std::vector<std::string> problems;

  std::uint64_t records() const { return file_records + raw_records; }
  bool ok() const { return problems.empty(); }
};

VerifyReport verify_acks(const AckIndex& index, const PathMaps& maps);

}  // namespace harness::load
