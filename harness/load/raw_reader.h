// Reads raw blocks for verify: read-only, O_DIRECT where possible so the data
// comes from the device and not from a page cache that may predate a remap.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/posix_io.h"

namespace harness::load {

class RawReader {
 public:
  // Never throws: a target that cannot be opened makes every read fail.
  explicit RawReader(const std::string& path);

  // The bytes of [offset, offset + size), or nullopt with `problem` set.
  std::optional<std::string> read(std::uint64_t offset_bytes, std::uint64_t size_bytes,
                                  std::string& problem);

 private:
  std::string path_;
  std::string open_error_;
  bool direct_ = false;
  Fd fd_;
};

}  // namespace harness::load
