#include "load/verify_rule.h"

#include <sstream>

namespace harness::load {
namespace {

const char* sequence_word(StampKind kind) {
  return kind == StampKind::kFile ? "generation" : "sequence";
}

Verdict fail(std::uint64_t lost_writes, const std::string& problem) {
  return {false, problem, lost_writes};
}

// Why valid content does not belong at `where`, or "".
std::string misplacement(const Stamp& stamp, const Placement& where) {
  std::ostringstream why;
  if (stamp.kind != where.kind) {
    why << "holds " << stamp_kind_name(stamp.kind) << " content, not "
        << stamp_kind_name(where.kind) << " content";
  } else if (stamp.tag != where.tag) {
    why << "holds a block of another device (tag " << std::hex << stamp.tag << ", expected "
        << where.tag << ")";
  } else if (stamp.location != where.location) {
    why << "holds the content of " << (where.kind == StampKind::kFile ? "file " : "block ")
        << stamp.location << " (misplaced)";
  }
  return why.str();
}

}  // namespace

Verdict judge_location(const LocationAcks& acks, const Placement& where, const StampRead& seen,
                       const std::set<std::uint64_t>& seeds) {
  const std::uint64_t all = acks.sequences.size();
  const char* word = sequence_word(where.kind);
  const std::string newest =
      std::string("newest acknowledged ") + word + " " + std::to_string(acks.max_sequence);
  if (!seen.stamp) return fail(all, seen.problem + "; " + newest);
  const Stamp& stamp = *seen.stamp;
  if (const std::string why = misplacement(stamp, where); !why.empty()) {
    return fail(all, why + "; " + newest);
  }
  if (!seeds.count(stamp.seed)) {
    return fail(all, "written with seed " + std::to_string(stamp.seed) +
                         ", which no run in the log used; " + newest);
  }
  if (stamp.sequence < acks.max_sequence) {
    return fail(acks.count_newer_than(stamp.sequence),
                "old content: " + std::string(word) + " " + std::to_string(stamp.sequence) +
                    " on disk, " + std::to_string(acks.max_sequence) + " acknowledged");
  }
  if (stamp.sequence == acks.max_sequence &&
      (stamp.seed != acks.max_seed || seen.payload_sha256 != acks.max_sha256)) {
    return fail(stamp.sequence == 0 ? all : acks.count_newer_than(stamp.sequence - 1),
                std::string(word) + " " + std::to_string(stamp.sequence) +
                    " on disk is not the acknowledged write (seed " + std::to_string(stamp.seed) +
                    ", acknowledged seed " + std::to_string(acks.max_seed) + ")");
  }
  return {};
}

}  // namespace harness::load
