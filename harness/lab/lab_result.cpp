#include "lab/lab_result.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace harness {

namespace {

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_or_null(const std::string& text) { return text.empty() ? "null" : json_string(text); }

std::string seconds(double value) {
  std::ostringstream out;
  out.precision(3);
  out << std::fixed << value;
  return out.str();
}

}  // namespace

int exit_code_of_script(int script_exit) { return script_exit == 0 ? 0 : kExitScriptFailed; }

std::string lab_result_json(const LabResult& result) {
  std::ostringstream out;
  out << "{\"status\": " << json_string(result.status)
      << ", \"lab_ok\": "
      << (result.status == "script-exited" || result.status == "power-cut" ||
                  result.status == "no-power-cut"
              ? "true"
              : "false")
      << ", \"script_exit\": "
      << (result.script_exit ? std::to_string(*result.script_exit) : "null")
      << ", \"exit_code\": " << result.exit_code
      << ", \"duration_s\": " << seconds(result.duration_s)
      << ", \"boot_s\": " << (result.boot_s ? seconds(*result.boot_s) : "null")
      << ", \"kernel\": " << json_or_null(result.kernel)
      << ", \"kernel_version\": " << json_or_null(result.kernel_version)
      << ", \"accelerator\": " << json_or_null(result.accelerator)
      << ", \"console_log\": " << json_or_null(result.console_log)
      << ", \"message\": " << json_or_null(result.message) << "}";
  return out.str();
}

void write_lab_result(const std::string& path, const LabResult& result) {
  const std::string partial = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(partial);
    out << lab_result_json(result) << "\n";
    out.flush();
    if (!out) Fail(kExitLab) << "--result " << path << ": cannot write " << partial;
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    Fail(kExitLab) << "--result " << path << ": rename failed: " << errno_string();
  }
}

}  // namespace harness
