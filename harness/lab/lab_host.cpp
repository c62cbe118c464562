// lab run --host: the script runs on this host, with each disk file offered
// as a loop device. Only a host kernel with device-mapper can do this; on
// others it is a skip (exit 77) with the reason.
#include <boost/process.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "common/error.h"
#include "common/loop_device.h"
#include "common/process.h"
#include "lab/lab.h"
#include "lab/lab_disks.h"
#include "lab/lab_options.h"
#include "lab/run_dir.h"

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace harness {

namespace {

bool host_has_device_mapper() {
  std::ifstream misc("/proc/misc");
  for (std::string line; std::getline(misc, line);) {
    if (line.find("device-mapper") != std::string::npos) return true;
  }
  return false;
}

}  // namespace

void run_on_host(const LabRunOptions& options, LabResult& result) {
  result.accelerator = "host";
  if (!host_has_device_mapper()) {
    std::cerr << "lab: skipped: this host kernel has no device-mapper, which --host needs; "
                 "run without --host to use the QEMU guest\n";
    result.status = "skipped";
    result.message = "this host kernel has no device-mapper";
    result.exit_code = kExitSkip;
    return;
  }
  RunDir run_dir(options.keep);
  LabRunOptions file_options = options;
  file_options.loop = false;  // on the host every disk is a loop device over its file
  const std::vector<LabDisk> disks = prepare_lab_disks(file_options, run_dir.path());
  const std::string names = run_dir.path() + "/disks";
  fs::create_directories(names);
  const std::string out = options.out_dir.empty() ? run_dir.path() + "/out" : options.out_dir;
  fs::create_directories(out);
  std::vector<std::unique_ptr<LoopDevice>> loops;  // detached when the run ends
  for (const LabDisk& disk : disks) {
    loops.push_back(std::make_unique<LoopDevice>(disk.guest.path, 0, 0));
    fs::create_symlink(loops.back()->path(), names + "/" + disk.guest.name);
  }
  bp::environment env = boost::this_process::environment();
  env["LAB_DISKS"] = names;
  env["LAB_OUT"] = out;
  env["LAB_MODE"] = "host";
  std::string path = env["PATH"].to_string();
  for (const std::string& binary : project_binaries()) {
    path = fs::path(binary).parent_path().string() + ":" + path;
  }
  env["PATH"] = path;
  bp::child script(options.script, env, bp::start_dir = out);
  if (!script.wait_for(std::chrono::milliseconds(static_cast<long>(options.timeout_s * 1000)))) {
    script.terminate();
    std::cerr << "lab: timeout: the script did not finish within " << options.timeout_s << " s\n";
    result.status = "timeout";
    result.message = "the script did not finish within the timeout";
    result.exit_code = kExitTimeout;
    return;
  }
  result.status = "script-exited";
  result.script_exit = script.exit_code();
  result.exit_code = exit_code_of_script(script.exit_code());
  std::cerr << "lab: script exited " << script.exit_code() << "\n";
}

}  // namespace harness
