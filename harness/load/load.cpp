#include "load/load.h"

#include <iostream>

#include "common/error.h"
#include "load/commands.h"

namespace harness {

namespace {

const char kHelp[] =
    "Usage: pv2luks-harness load start|stop|verify --log DIR ...\n"
    "\n"
    "Keeps mounted filesystems and raw devices busy with self-describing writes,\n"
    "and records every acknowledged write in a log under DIR (which must be on\n"
    "storage independent of the targets), so that 'verify' can prove, after a\n"
    "conversion or a power cut, that every acknowledged write survived.\n"
    "\n"
    "  start   start the background writer; returns once it has written\n"
    "  stop    stop it and print what it wrote\n"
    "  verify  check every acknowledged write against the targets\n"
    "\n"
    "Run 'pv2luks-harness load SUBCOMMAND --help' for its options.\n";

}  // namespace

int load_command(const std::vector<std::string>& words) {
  if (words.empty() || words[0] == "--help" || words[0] == "-h") {
    (words.empty() ? std::cerr : std::cout) << kHelp;
    return words.empty() ? kExitUsage : 0;
  }
  const std::vector<std::string> rest(words.begin() + 1, words.end());
  if (words[0] == "start") return load::start_command(rest);
  if (words[0] == "stop") return load::stop_command(rest);
  if (words[0] == "verify") return load::verify_command(rest);
  Fail(kExitUsage) << "load: unknown subcommand '" << words[0] << "' (start, stop or verify)";
}

}  // namespace harness
