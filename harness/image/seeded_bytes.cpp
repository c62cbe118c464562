#include "image/seeded_bytes.h"

namespace harness {

std::uint64_t SeededBytes::word() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void SeededBytes::fill(void* data, std::size_t size_bytes) {
  auto* out = static_cast<unsigned char*>(data);
  std::size_t i = 0;
  for (; i < size_bytes && pending_bytes_ > 0; ++i) out[i] = take_pending();
  for (; size_bytes - i >= 8; i += 8) {
    const std::uint64_t value = word();
    for (int b = 0; b < 8; ++b) out[i + b] = static_cast<unsigned char>(value >> (8 * b));
  }
  for (; i < size_bytes; ++i) {
    if (pending_bytes_ == 0) {
      pending_ = word();
      pending_bytes_ = 8;
    }
    out[i] = take_pending();
  }
}

unsigned char SeededBytes::take_pending() {
  const auto byte = static_cast<unsigned char>(pending_);
  pending_ >>= 8;
  --pending_bytes_;
  return byte;
}

std::uint64_t SeededBytes::next_u64() {
  unsigned char bytes[8];
  fill(bytes, sizeof bytes);
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

}  // namespace harness
