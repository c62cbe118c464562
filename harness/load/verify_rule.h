// The verify rule for one place (a data file or a raw block). Writes in flight
// at a power cut are legitimate, so the place passes when its content is
// internally valid, belongs there, was written by a run in the log, and is at
// least as new as the newest acknowledged write to it (and is that write when
// it has the same number).
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "load/acks.h"
#include "load/stamp.h"

namespace harness::load {

struct Placement {  // what a valid stamp at this place must say
  StampKind kind = StampKind::kFile;
  std::uint64_t tag = 0;
  std::uint64_t location = 0;
};

struct Verdict {
  bool ok = true;
  std::string problem;            // when not ok
  std::uint64_t lost_writes = 0;  // acknowledged writes the place no longer holds
};

Verdict judge_location(const LocationAcks& acks, const Placement& where, const StampRead& seen,
                       const std::set<std::uint64_t>& seeds);

}  // namespace harness::load
