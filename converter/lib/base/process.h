// Child processes (the lvm tools, losetup, ...), all through Boost.Process.
// The converter never runs dmsetup or cryptsetup: those are in-process.
#pragma once

#include <string>
#include <vector>

namespace pv2luks {

struct ProcessResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Runs argv (argv[0] searched on PATH when it has no slash), feeds `input` to its
// standard input, and captures both output streams. Failing to start it is an
// Error naming the command.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = {});

// As run_process, but a non-zero exit is an Error naming the command and quoting
// its standard error. Returns standard output.
std::string run_checked(const std::vector<std::string>& argv, const std::string& input = {});

// The command line as one string, for messages.
std::string command_line(const std::vector<std::string>& argv);

// Full path of an executable on PATH (a name with a slash as it is), or "".
std::string find_program(const std::string& name);

}  // namespace pv2luks
