// Deterministic pseudo-random bytes from a seed (splitmix64): the same seed
// gives the same stream on every machine, whatever the chunk sizes asked for.
#pragma once

#include <cstddef>
#include <cstdint>

namespace harness {

class SeededBytes {
 public:
  explicit SeededBytes(std::uint64_t seed) : state_(seed) {}
  void fill(void* data, std::size_t size_bytes);
  std::uint64_t next_u64();  // the next 8 bytes of the stream, little-endian

 private:
  std::uint64_t word();
  unsigned char take_pending();
  std::uint64_t state_;
  std::uint64_t pending_ = 0;     // bytes of the current word not yet handed out
  std::size_t pending_bytes_ = 0;
};

}  // namespace harness
