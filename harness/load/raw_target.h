// The raw writer: one block-size write at a time to a block device (an LV) or
// a regular file, with O_DIRECT|O_DSYNC from an aligned buffer, so the block
// is on stable storage when the write returns.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/posix_io.h"

namespace harness::load {

// Raw block sizes must be a multiple of this (O_DIRECT alignment on 4K disks).
inline constexpr std::uint64_t kRawAlignBytes = 4096;

// Identifies a raw target inside its blocks: derived from the path as given,
// so a copy of the device still names the original.
std::uint64_t device_tag(const std::string& path);

class RawTarget {
 public:
  // Opens `path` for writing (a usage Error if it cannot, or if the span is
  // smaller than one block or larger than the target). span_bytes 0: all of it.
  RawTarget(const std::string& path, std::uint64_t block_size_bytes, std::uint64_t span_bytes);

  const std::string& path() const { return path_; }
  std::uint64_t block_size_bytes() const { return block_size_bytes_; }
  std::uint64_t blocks() const { return blocks_; }
  bool direct() const { return direct_; }

  // Writes block `block` for (seed, sequence); on stable storage when it
  // returns. Returns the payload's sha256.
  std::string write(std::uint64_t seed, std::uint64_t block, std::uint64_t sequence);

 private:
  std::string path_;
  std::uint64_t block_size_bytes_;
  std::uint64_t blocks_ = 0;
  std::uint64_t tag_;
  bool direct_ = true;
  Fd fd_;
  std::unique_ptr<char, void (*)(void*)> buffer_;
};

}  // namespace harness::load
