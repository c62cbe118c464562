// Sizes on the command line and in layout specs: a whole number with an
// optional binary suffix K, M, G, T (KiB, MiB, ...), or "B" for bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace harness {

inline constexpr std::uint64_t kMiB = 1024 * 1024;

// Parses "64M", "1G", "4096", "512K". Returns nullopt for anything else,
// including zero-length numbers, unknown suffixes and overflow.
std::optional<std::uint64_t> parse_size_bytes(std::string_view text);

// "64 MiB", "1.5 GiB", "4096 B": for messages.
std::string format_size(std::uint64_t bytes);

}  // namespace harness
