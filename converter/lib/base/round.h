// Rounding to a multiple of a unit (an alignment, a block, a keyslot area).
#pragma once

#include <cstdint>

namespace pv2luks {

// The smallest multiple of `unit` not below `value`; `unit` > 0.
constexpr std::uint64_t round_up(std::uint64_t value, std::uint64_t unit) {
  return (value + unit - 1) / unit * unit;
}

// The largest multiple of `unit` not above `value`; `unit` > 0.
constexpr std::uint64_t round_down(std::uint64_t value, std::uint64_t unit) {
  return value / unit * unit;
}

}  // namespace pv2luks
