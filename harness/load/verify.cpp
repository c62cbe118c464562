#include "load/verify.h"

#include <sstream>

#include "load/file_target.h"
#include "common/posix_io.h"
#include "load/raw_reader.h"
#include "load/raw_target.h"
#include "load/verify_rule.h"

namespace harness::load {
namespace {

const std::string& mapped(const std::map<std::string, std::string>& map, const std::string& path) {
  const auto it = map.find(path);
  return it == map.end() ? path : it->second;
}

// "/new/path" or "/new/path (logged as /old/path)".
std::string place_name(const std::string& now, const std::string& logged) {
  return now == logged ? now : now + " (logged as " + logged + ")";
}

std::string lost_note(std::uint64_t lost) {
  return " (" + std::to_string(lost) + " acknowledged write" + (lost == 1 ? "" : "s") + " lost)";
}

void record(VerifyReport& report, const Verdict& verdict, const std::string& where) {
  if (verdict.ok) return;
  ++report.failed_places;
  report.lost_writes += verdict.lost_writes;
  report.problems.push_back(where + ": " + verdict.problem + lost_note(verdict.lost_writes));
}

StampRead read_file_stamp(const std::filesystem::path& path) {
  std::optional<std::string> data;
  try {
    data = read_file_uncached(path);
  } catch (const std::exception& e) {
    return {std::nullopt, {}, e.what()};
  }
  if (!data) return {std::nullopt, {}, "missing"};
  return read_stamp(*data);
}

void verify_files(const AckIndex& index, const PathMaps& maps, VerifyReport& report) {
  for (const auto& [key, acks] : index.files) {
    const std::string& dir = mapped(maps.dirs, key.dir);
    const std::string logged = load_file_path(key.dir, key.index).string();
    const std::string now = load_file_path(dir, key.index).string();
    const StampRead seen = read_file_stamp(now);
    const Placement where{StampKind::kFile, 0, key.index};
    record(report, judge_location(acks, where, seen, index.seeds), place_name(now, logged));
    ++report.file_places;
  }
}

void verify_blocks(const AckIndex& index, const PathMaps& maps, VerifyReport& report) {
  std::map<std::string, RawReader> readers;
  for (const auto& [key, acks] : index.blocks) {
    const std::string& device = mapped(maps.raws, key.device);
    RawReader& reader = readers.try_emplace(device, device).first->second;
    const std::uint64_t offset_bytes = key.block * key.block_size_bytes;
    std::string problem;
    const auto data = reader.read(offset_bytes, key.block_size_bytes, problem);
    const StampRead seen = data ? read_stamp(*data) : StampRead{std::nullopt, {}, problem};
    const Placement where{StampKind::kRawBlock, device_tag(key.device), key.block};
    std::ostringstream name;
    name << place_name(device, key.device) << ": block " << key.block << " at offset "
         << offset_bytes << " bytes";
    record(report, judge_location(acks, where, seen, index.seeds), name.str());
    ++report.raw_places;
  }
}

}  // namespace

VerifyReport verify_acks(const AckIndex& index, const PathMaps& maps) {
  VerifyReport report;
  report.file_records = index.file_records;
  report.raw_records = index.raw_records;
  for (const std::string& message : index.writer_failures) {
    report.problems.push_back("the writer reported a failure: " + message);
  }
  if (report.records() == 0) report.problems.push_back("the log holds no acknowledged writes");
  verify_files(index, maps, report);
  verify_blocks(index, maps, report);
  return report;
}

}  // namespace harness::load
