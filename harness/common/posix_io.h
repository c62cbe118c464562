// Small POSIX I/O helpers. Failures are Errors in the
// "<path>: <op> failed: <strerror>" form.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/fd.h"

namespace harness {

using pv2luks::Fd;

// open(2); an Error with `exit_code` naming the path on failure.
Fd open_or_fail(const std::filesystem::path& path, int flags, int exit_code, int mode = 0644);

// A usage Error unless `dir` is a directory we can create files in (`what`
// names it in the message, e.g. "--log").
void check_writable_directory(const std::filesystem::path& dir, const std::string& what);

void write_all(int fd, std::string_view data, const std::filesystem::path& path);
void pwrite_all(int fd, const char* data, std::size_t size_bytes, std::uint64_t offset_bytes,
                const std::string& path);
void fsync_or_fail(int fd, const std::filesystem::path& path);
void fsync_directory(const std::filesystem::path& dir);

// The whole file, after asking the kernel to drop its clean cached pages so
// the data comes from the device. nullopt when it does not exist.
std::optional<std::string> read_file_uncached(const std::filesystem::path& path);

}  // namespace harness
