// The command line of each action, parsed into the library's options. Each
// parser returns "" or the usage problem, in words for the user.
#pragma once

#include <string>
#include <vector>

#include "pv2luks/pv2luks.h"

namespace cli {

struct ConvertCli {
  pv2luks::ConvertOptions options;
  bool progress_json = false;
  bool yes = false;
};

struct ResumeCli {
  pv2luks::ResumeOptions options;
  bool progress_json = false;
  bool yes = false;
};

std::string parse_convert(const std::vector<std::string>& words, ConvertCli& cli);
std::string parse_resume(const std::vector<std::string>& words, ResumeCli& cli);
// status DEVICE
std::string parse_status(const std::vector<std::string>& words, std::string& device);

}  // namespace cli
