// Positioned I/O on an open file descriptor: a ReadAt over it (for the
// offline parsers) and a pwrite that finishes short writes. Errors name the
// path and the byte range.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/read_at.h"

namespace pv2luks {

// Reads through `fd` at base_offset_bytes + offset. The fd must outlive the
// ReadAt. Reading past the end of the file is an Error naming `path`.
ReadAt fd_read_at(int fd, std::uint64_t base_offset_bytes, std::string path);

// Reads all of `out` at `offset_bytes`, retrying short reads and EINTR; the
// end of the file first is an Error.
void read_at(int fd, std::uint64_t offset_bytes, std::span<std::uint8_t> out,
             const std::string& path);

// Writes all of `data` at `offset_bytes`, retrying short writes and EINTR.
void write_at(int fd, std::uint64_t offset_bytes, std::span<const std::uint8_t> data,
              const std::string& path);

}  // namespace pv2luks
