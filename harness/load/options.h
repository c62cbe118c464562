// Command-line helpers shared by load start, stop and verify.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/args.h"

namespace harness::load {

// A whole number option; a usage Error when it is not one (or below `minimum`).
std::uint64_t count_option(const Args& args, const std::string& name, std::uint64_t fallback,
                           std::uint64_t minimum = 0);

// A size option ("64K", "1M", "4096"), parsed by parse_size_bytes.
std::uint64_t size_option(const Args& args, const std::string& name, std::uint64_t fallback);

// The --log DIR option, required.
std::string log_option(const Args& args);

// An absolute, lexically normal path without a trailing slash: the form paths
// take in the log. No symlinks are resolved: /dev/vg/lv stays /dev/vg/lv.
std::string normalize_path(const std::string& path);

// Repeated "--NAME OLD=NEW" options as OLD -> NEW, both normalized.
std::map<std::string, std::string> map_option(const Args& args, const std::string& name);

}  // namespace harness::load
