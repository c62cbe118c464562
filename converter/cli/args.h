// The command line of each action, parsed into the library's options. Each
// parser returns "" or the usage problem, in words for the user.
#pragma once

#include <cstdint>
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

struct StatusCli {
  std::string device;
  bool offline = false;
  std::uint32_t partition = 0;
};

std::string parse_convert(const std::vector<std::string>& words, ConvertCli& cli);
std::string parse_resume(const std::vector<std::string>& words, ResumeCli& cli);
// status [DEVICE|VG|CRYPT] | status --offline IMAGE [--partition N]
std::string parse_status(const std::vector<std::string>& words, StatusCli& cli);
// Whether status's word is a path (a DEVICE, or an image given without
// --offline) rather than a VG or dm name: it holds a '/', which names never
// do, or names a file in the current directory that is not a directory
// (/dev/VG is one).
bool names_a_file(const std::string& word);
// verify --offline IMAGE [--partition N] [--key-file FILE|-]
std::string parse_verify(const std::vector<std::string>& words, pv2luks::VerifyOptions& options);

// flatten|unflatten [VG|CRYPT] [--key-file FILE|-]
std::string parse_flatten(const std::vector<std::string>& words, pv2luks::FlattenOptions& options);

}  // namespace cli
