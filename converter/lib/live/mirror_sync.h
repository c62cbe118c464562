// Waiting for a dm mirror to finish copying, through dm events: no polling.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pv2luks {

struct MirrorState {
  std::uint64_t in_sync_regions = 0;
  std::uint64_t total_regions = 0;
  bool leg_failed = false;  // a leg's health character is not 'A'
};

// Reads a mirror target's status params ("2 253:0 253:1 8/8 1 AA 1 core").
std::optional<MirrorState> parse_mirror_status(const std::string& params);

// Blocks until the mirror target of `name` reports `expected_regions` of
// `expected_regions` in sync, waking only on the device's dm events. An Error
// when a leg fails or the device has no mirror target.
void wait_for_mirror_sync(const std::string& name, std::uint64_t expected_regions);

}  // namespace pv2luks
