#include "common/loop_device.h"

#include "common/error.h"
#include "common/process.h"

namespace harness {

LoopDevice::LoopDevice(const std::string& file, std::uint64_t offset_bytes,
                       std::uint64_t size_bytes, bool read_only) {
  std::vector<std::string> argv = {"losetup", "--find", "--show"};
  if (read_only) argv.push_back("--read-only");
  if (offset_bytes != 0) argv.insert(argv.end(), {"--offset", std::to_string(offset_bytes)});
  if (size_bytes != 0) argv.insert(argv.end(), {"--sizelimit", std::to_string(size_bytes)});
  argv.push_back(file);
  std::string out = run_checked(argv);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (out.rfind("/dev/", 0) != 0) Fail() << file << ": losetup printed '" << out << "', not a device";
  path_ = out;
}

LoopDevice::~LoopDevice() {
  if (path_.empty()) return;
  try {
    run_process({"losetup", "--detach", path_});
  } catch (...) {
    // Nothing more to do in a destructor; the failure that brought us here wins.
  }
}

void LoopDevice::detach() {
  const std::string path = path_;
  path_.clear();
  run_checked({"losetup", "--detach", path});
}

}  // namespace harness
