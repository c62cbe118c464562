// Self-describing content of the load generator. Every data file and every
// raw block starts with a header saying what it is, where it belongs and which
// write made it; a payload derived from those numbers fills the rest. A reader
// can then tell valid content from torn, stale, misplaced or foreign content
// without any other record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace harness::load {

enum class StampKind : std::uint32_t { kFile = 1, kRawBlock = 2 };

struct Stamp {
  StampKind kind = StampKind::kFile;
  std::uint64_t seed = 0;
  std::uint64_t tag = 0;         // raw blocks: the device tag; files: 0
  std::uint64_t location = 0;    // file index or block index
  std::uint64_t sequence = 0;    // file generation or raw sequence number
  std::uint64_t size_bytes = 0;  // header and payload together
};

// Header size; files and blocks must be at least this large.
inline constexpr std::size_t kStampHeaderBytes = 128;

// Writes the header and the derived payload over all of `out` (stamp.size_bytes
// must equal out.size()). Returns the payload's sha256 in hex.
std::string write_stamp(const Stamp& stamp, std::span<char> out);

struct StampRead {
  std::optional<Stamp> stamp;  // set when the content is internally valid
  std::string payload_sha256;  // hex, when valid
  std::string problem;         // why not, when not
};

// Decodes `data` and checks it is internally valid: magic, header checksum,
// size, payload hash, and payload equal to the one derived from the header.
StampRead read_stamp(std::span<const char> data);

const char* stamp_kind_name(StampKind kind);

}  // namespace harness::load
