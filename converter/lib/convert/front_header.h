// The last write of a conversion: the whole LUKS header at the device's front.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/block_io.h"

namespace pv2luks {

// Writes `header` at `base_offset_bytes` of `device` (the PV's partition, or
// its byte range in an image's raw disk) durably: O_SYNC writes and an
// fdatasync for a file or device, FUA writes and a flush through NBD.
// The test hook TestHook::TornHeader writes half of it, durably, and fails at the
// test point "header-torn", as a power cut during the write would leave it.
void write_front_header(const std::vector<std::uint8_t>& header, const BlockSource& device,
                        std::uint64_t base_offset_bytes = 0);
// The same on the file or block device `device`.
void write_front_header(const std::vector<std::uint8_t>& header, const std::string& device,
                        std::uint64_t base_offset_bytes = 0);

}  // namespace pv2luks
