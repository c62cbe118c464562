// load verify: read the log, check every acknowledged write, report.
#include <iostream>

#include "common/error.h"
#include "load/commands.h"
#include "load/log_dir.h"
#include "load/options.h"
#include "load/verify.h"
#include "load/writer_id.h"

namespace harness::load {
namespace {

const char kHelp[] =
    "Usage: pv2luks-harness load verify --log DIR [--dir-map OLD=NEW]...\n"
    "                                   [--raw-map OLD=NEW]... [--max-problems N]\n"
    "\n"
    "Checks every write the log in DIR acknowledged: each file and raw block it\n"
    "went to must hold valid load content (header, payload hash, location, seed)\n"
    "at least as new as the newest acknowledged write to it. Writes in flight at\n"
    "a power cut may be there or not. Reads only. The writer must not be running\n"
    "(stopped, killed or gone with a power cut).\n"
    "\n"
    "  --log DIR            the directory given to 'load start'\n"
    "  --dir-map OLD=NEW    read the files logged under directory OLD from NEW\n"
    "  --raw-map OLD=NEW    read the blocks logged for raw target OLD from NEW\n"
    "  --max-problems N     print at most N problems (default 20), then a count\n"
    "\n"
    "Exit status: 0 all acknowledged writes are there, 1 some are not (or the log\n"
    "is damaged), 2 bad usage.\n";

// Blocks read while the writer rewrites them could look torn: stop it first.
void refuse_if_writer_runs(const std::filesystem::path& log_dir) {
  const auto id = read_writer_id(writer_pid_path(log_dir));
  if (id && writer_alive(*id)) {
    Fail(kExitUsage) << "--log " << log_dir.string() << ": the writer (pid " << id->pid
                     << ") is still running; run 'load stop' first";
  }
}

void print_notes(const AckIndex& index) {
  for (const TornTail& torn : index.torn_tails) {
    std::cout << "load verify: note: " << torn.segment.string() << " ends in a torn record ("
              << torn.bytes << " bytes, never acknowledged): ignored" << std::endl;
  }
}

int print_report(const VerifyReport& report, std::uint64_t max_problems) {
  std::cout << "load verify: " << report.file_places << " file(s) and " << report.raw_places
            << " raw block(s) read" << std::endl;
  if (report.ok()) {
    std::cout << "load verify: " << report.records() << " acknowledged writes checked ("
              << report.file_records << " file, " << report.raw_records << " raw): OK" << std::endl;
    return 0;
  }
  for (std::size_t i = 0; i < report.problems.size() && i < max_problems; ++i) {
    std::cout << "load verify: PROBLEM: " << report.problems[i] << std::endl;
  }
  if (report.problems.size() > max_problems) {
    std::cout << "load verify: ... and " << report.problems.size() - max_problems
              << " more problems" << std::endl;
  }
  std::cout << "load verify: FAILED: " << report.lost_writes << " of " << report.records()
            << " acknowledged writes lost or damaged (" << report.failed_places << " of "
            << report.file_places + report.raw_places << " places; " << report.problems.size()
            << (report.problems.size() == 1 ? " problem)" : " problems)") << std::endl;
  return kExitFailure;
}

}  // namespace

int verify_command(const std::vector<std::string>& words) {
  const Args args(words, {"--log", "--dir-map", "--raw-map", "--max-problems"}, {"--help"});
  if (args.has("--help")) {
    std::cout << kHelp;
    return 0;
  }
  const std::filesystem::path log_dir = log_option(args);
  const PathMaps maps{map_option(args, "--dir-map"), map_option(args, "--raw-map")};
  const std::uint64_t max_problems = count_option(args, "--max-problems", 20);
  if (!std::filesystem::is_directory(log_dir)) {
    Fail(kExitUsage) << "--log " << log_dir.string() << ": not a directory";
  }
  refuse_if_writer_runs(log_dir);
  const auto segments = read_log_dir(log_dir);
  if (segments.empty()) Fail(kExitUsage) << "--log " << log_dir.string() << ": no load log in it";
  const AckIndex index = index_acks(segments);
  print_notes(index);
  return print_report(verify_acks(index, maps), max_problems);
}

}  // namespace harness::load
