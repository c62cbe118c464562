#include "load/stamp.h"

#include <array>
#include <cstring>

#include "common/sha256.h"

namespace harness::load {
namespace {

// Header layout, little-endian:
//   0 magic "PV2LOAD1"   8 kind u32   12 version u32
//  16 seed  24 tag  32 location  40 sequence  48 size_bytes (u64 each)
//  56 payload sha256 (32 bytes)  88 sha256 of bytes 0..87, first 16 bytes
// 104 zero up to kStampHeaderBytes
constexpr char kMagic[8] = {'P', 'V', '2', 'L', 'O', 'A', 'D', '1'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kPayloadHashAt = 56;
constexpr std::size_t kHeaderHashAt = 88;
constexpr std::size_t kHeaderHashBytes = 16;

void put_u64(char* at, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) at[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint64_t get_u64(const char* at) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(at[i]);
  return value;
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The payload is a splitmix64 stream seeded by every field of the stamp, so
// content written for one (seed, location, sequence) never matches another.
void fill_payload(const Stamp& stamp, std::span<char> payload) {
  std::uint64_t state = stamp.seed;
  for (std::uint64_t field :
       {static_cast<std::uint64_t>(stamp.kind), stamp.tag, stamp.location, stamp.sequence}) {
    state = splitmix64(state) ^ field;
  }
  std::size_t i = 0;
  for (; i + 8 <= payload.size(); i += 8) put_u64(payload.data() + i, splitmix64(state));
  const std::uint64_t last = splitmix64(state);
  for (std::size_t k = 0; i < payload.size(); ++i, ++k) {
    payload[i] = static_cast<char>((last >> (8 * k)) & 0xff);
  }
}

std::array<unsigned char, 32> sha256_bytes(const char* data, std::size_t size_bytes) {
  const std::string hex = sha256_hex(std::string_view(data, size_bytes));
  std::array<unsigned char, 32> bytes{};
  const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<unsigned char>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
  }
  return bytes;
}

std::string to_hex(const char* bytes, std::size_t size_bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < size_bytes; ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    text += kHex[byte >> 4];
    text += kHex[byte & 15];
  }
  return text;
}

Stamp decode_header(const char* header) {
  Stamp stamp;
  std::uint32_t kind = 0;
  std::memcpy(&kind, header + 8, 4);
  stamp.kind = static_cast<StampKind>(kind);
  stamp.seed = get_u64(header + 16);
  stamp.tag = get_u64(header + 24);
  stamp.location = get_u64(header + 32);
  stamp.sequence = get_u64(header + 40);
  stamp.size_bytes = get_u64(header + 48);
  return stamp;
}

bool header_checksum_ok(const char* header) {
  const auto hash = sha256_bytes(header, kHeaderHashAt);
  return std::memcmp(hash.data(), header + kHeaderHashAt, kHeaderHashBytes) == 0;
}

}  // namespace

const char* stamp_kind_name(StampKind kind) {
  switch (kind) {
    case StampKind::kFile:
      return "file";
    case StampKind::kRawBlock:
      return "raw block";
  }
  return "unknown";
}

std::string write_stamp(const Stamp& stamp, std::span<char> out) {
  char* header = out.data();
  std::memset(header, 0, kStampHeaderBytes);
  std::memcpy(header, kMagic, sizeof kMagic);
  const auto kind = static_cast<std::uint32_t>(stamp.kind);
  std::memcpy(header + 8, &kind, 4);
  std::memcpy(header + 12, &kVersion, 4);
  put_u64(header + 16, stamp.seed);
  put_u64(header + 24, stamp.tag);
  put_u64(header + 32, stamp.location);
  put_u64(header + 40, stamp.sequence);
  put_u64(header + 48, stamp.size_bytes);
  const std::span<char> payload = out.subspan(kStampHeaderBytes);
  fill_payload(stamp, payload);
  const auto payload_hash = sha256_bytes(payload.data(), payload.size());
  std::memcpy(header + kPayloadHashAt, payload_hash.data(), payload_hash.size());
  const auto header_hash = sha256_bytes(header, kHeaderHashAt);
  std::memcpy(header + kHeaderHashAt, header_hash.data(), kHeaderHashBytes);
  return to_hex(header + kPayloadHashAt, payload_hash.size());
}

StampRead read_stamp(std::span<const char> data) {
  StampRead read;
  if (data.size() < kStampHeaderBytes) {
    read.problem = "too short for a load header (" + std::to_string(data.size()) + " bytes)";
    return read;
  }
  const char* header = data.data();
  if (std::memcmp(header, kMagic, sizeof kMagic) != 0) {
    read.problem = "no load header (magic missing: zeros, garbage or foreign data)";
    return read;
  }
  if (!header_checksum_ok(header)) {
    read.problem = "load header damaged (header checksum mismatch)";
    return read;
  }
  const Stamp stamp = decode_header(header);
  if (stamp.size_bytes != data.size()) {
    read.problem = "size is " + std::to_string(data.size()) + " bytes, header says " +
                   std::to_string(stamp.size_bytes);
    return read;
  }
  const std::span<const char> payload = data.subspan(kStampHeaderBytes);
  const auto payload_hash = sha256_bytes(payload.data(), payload.size());
  if (std::memcmp(payload_hash.data(), header + kPayloadHashAt, payload_hash.size()) != 0) {
    read.problem = "torn or damaged: payload does not match the header's hash";
    return read;
  }
  std::string expected(data.size(), '\0');
  write_stamp(stamp, expected);
  if (std::memcmp(expected.data() + kStampHeaderBytes, payload.data(), payload.size()) != 0) {
    read.problem = "payload is not the one derived from its header";
    return read;
  }
  read.stamp = stamp;
  read.payload_sha256 = to_hex(header + kPayloadHashAt, payload_hash.size());
  return read;
}

}  // namespace harness::load
