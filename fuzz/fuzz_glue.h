// What every fuzz target shares: the input as bytes or text, a ReadAt over
// it, and the rules of a finding. A parser meets bad bytes by throwing
// pv2luks::Error; refused() catches that and nothing else, so any other
// exception (std::out_of_range, std::bad_alloc, ...) escapes and libFuzzer
// reports it as a crash, as it does a sanitizer's report. require() turns a
// broken promise of a parse that succeeded (a range past the device's end)
// into a crash too.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/read_at.h"

namespace pv2luks::fuzz {

using Bytes = std::span<const std::uint8_t>;

inline std::string text_of(Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// `bytes` from `at` on (none when `at` lies past their end), at most `size`.
inline Bytes part(Bytes bytes, std::size_t at, std::size_t size = SIZE_MAX) {
  if (at >= bytes.size()) return {};
  return bytes.subspan(at, std::min(size, bytes.size() - at));
}

// A file of `size_bytes` whose first bytes are `bytes` and the rest zeros.
// A read past its end is an Error, as a short read of a real file is.
inline ReadAt memory_reader(Bytes bytes, std::uint64_t size_bytes) {
  return [bytes, size_bytes](std::uint64_t offset, std::span<std::uint8_t> out) {
    if (offset > size_bytes || out.size() > size_bytes - offset) {
      Fail() << "fuzz input: read of " << out.size() << " bytes at " << offset << " past its end ("
             << size_bytes << " bytes)";
    }
    if (out.empty()) return;
    std::memset(out.data(), 0, out.size());
    if (offset < bytes.size()) {
      const std::size_t have = std::min<std::uint64_t>(out.size(), bytes.size() - offset);
      std::memcpy(out.data(), bytes.data() + offset, have);
    }
  };
}

// Runs `parse`: true when it refused its input with an Error. With
// PV2LUKS_FUZZ_VERBOSE set, says why (to see how far a seed gets).
template <typename Parse>
bool refused(Parse&& parse) {
  try {
    parse();
    return false;
  } catch (const Error& e) {
    static const bool verbose = std::getenv("PV2LUKS_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "refused: %s\n", e.what());
    return true;
  }
}

[[noreturn]] inline void broken(std::string_view what) {
  std::fprintf(stderr, "fuzz: broken invariant: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

inline void require(bool holds, std::string_view what) {
  if (!holds) broken(what);
}

}  // namespace pv2luks::fuzz
