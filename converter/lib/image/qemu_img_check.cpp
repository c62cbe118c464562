#include "image/qemu_img_check.h"

#include <sstream>

#include "base/error.h"
#include "base/json.h"
#include "base/process.h"
#include "image/qemu_option.h"

namespace pv2luks {

namespace {

constexpr int kExitNotComplete = 1;
constexpr std::size_t kMaxMessageBytes = 1000;

// A count in the report: 0 when absent; not a number is an Error (ptree's
// get with a default would quietly give the default).
std::uint64_t count_in(const boost::property_tree::ptree& report, const char* key) {
  const auto child = report.get_child_optional(key);
  return child ? child->get_value<std::uint64_t>() : 0;
}

std::string shortened(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.size() > kMaxMessageBytes) text = text.substr(0, kMaxMessageBytes) + "...";
  return text;
}

}  // namespace

QemuImgCheck parse_qemu_img_check(int exit_code, const std::string& out, const std::string& err) {
  QemuImgCheck check;
  check.messages = shortened(err);
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("ERROR", 0) == 0 && check.first_error.empty()) check.first_error = line;
    if (line.find("exceeding the end of the file") != std::string::npos) {
      check.past_end_of_file = true;
    }
  }
  if (exit_code == kExitNotComplete) return check;
  try {
    const auto report = parse_json(out, "qemu-img check's report");
    check.corruptions = count_in(report, "corruptions");
    check.leaks = count_in(report, "leaks");
    check.check_errors = count_in(report, "check-errors");
  } catch (const std::exception& e) {
    if (check.messages.empty()) check.messages = e.what();
    return check;
  }
  check.complete = true;
  return check;
}

QemuImgCheck run_qemu_img_check(const std::string& path) {
  if (find_program("qemu-img").empty()) {
    Fail() << path << " is a qcow2 image, which pv2luks checks with `qemu-img check` before "
           << "converting it: qemu-img is not on PATH; install qemu-utils";
  }
  const ProcessResult result =
      run_process({"qemu-img", "check", "--output=json", "--image-opts",
                   "driver=qcow2,file.driver=file,file.filename=" + qemu_option_value(path)});
  return parse_qemu_img_check(result.exit_code, result.out, result.err);
}

}  // namespace pv2luks
