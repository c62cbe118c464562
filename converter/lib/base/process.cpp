#include "base/process.h"

#include <boost/process.hpp>
#include <cerrno>
#include <cstring>
#include <future>

#include "base/error.h"

namespace bp = boost::process;

namespace pv2luks {

std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) {
    if (!line.empty()) line += ' ';
    line += arg;
  }
  return line;
}

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  return bp::search_path(name).string();
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input) {
  if (argv.empty()) throw Error("run_process: empty command");
  const std::string exe = find_program(argv[0]);
  if (exe.empty()) Fail() << "cannot run " << argv[0] << ": not found on PATH";
  std::vector<std::string> args(argv.begin() + 1, argv.end());

  boost::asio::io_context io;
  std::future<std::string> out;
  std::future<std::string> err;
  bp::opstream in;
  ProcessResult result;
  try {
    bp::child child(exe, bp::args(args), bp::std_in < in, bp::std_out > out, bp::std_err > err,
                    io);
    in << input;
    in.flush();
    in.pipe().close();
    io.run();
    child.wait();
    result.exit_code = child.exit_code();
  } catch (const bp::process_error& e) {
    Fail() << "cannot run " << command_line(argv) << ": " << e.what();
  }
  result.out = out.get();
  result.err = err.get();
  return result;
}

std::string run_checked(const std::vector<std::string>& argv, const std::string& input) {
  ProcessResult result = run_process(argv, input);
  if (result.exit_code != 0) {
    std::string err = result.err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    Fail() << command_line(argv) << " failed (exit " << result.exit_code << ")"
           << (err.empty() ? "" : ": ") << err;
  }
  return result.out;
}

}  // namespace pv2luks
