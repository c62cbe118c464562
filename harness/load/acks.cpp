#include "load/acks.h"

#include <algorithm>
#include <variant>

namespace harness::load {
namespace {

struct Indexer {
  AckIndex& index;

  void operator()(const RunStart& r) { index.seeds.insert(r.seed); }
  void operator()(const FileWrite& r) {
    index.files[{r.dir, r.index}].add(r.generation, r.seed, r.sha256);
    index.seeds.insert(r.seed);
    ++index.file_records;
  }
  void operator()(const RawWrite& r) {
    index.blocks[{r.device, r.block_size_bytes, r.block}].add(r.sequence, r.seed, r.sha256);
    index.seeds.insert(r.seed);
    ++index.raw_records;
  }
  void operator()(const RunEnd&) {}
  void operator()(const WriterFailure& r) { index.writer_failures.push_back(r.message); }
};

}  // namespace

void LocationAcks::add(std::uint64_t sequence, std::uint64_t seed, const std::string& sha256) {
  sequences.push_back(sequence);
  if (sequences.size() == 1 || sequence >= max_sequence) {
    max_sequence = sequence;
    max_seed = seed;
    max_sha256 = sha256;
  }
}

std::uint64_t LocationAcks::count_newer_than(std::uint64_t sequence) const {
  return static_cast<std::uint64_t>(
      std::count_if(sequences.begin(), sequences.end(), [&](auto s) { return s > sequence; }));
}

AckIndex index_acks(const std::vector<LogSegment>& segments) {
  AckIndex index;
  Indexer indexer{index};
  for (const LogSegment& segment : segments) {
    for (const LogRecord& record : segment.parsed.records) std::visit(indexer, record);
    if (segment.parsed.torn_tail_bytes > 0) {
      index.torn_tails.push_back({segment.path, segment.parsed.torn_tail_bytes});
    }
  }
  return index;
}

}  // namespace harness::load
