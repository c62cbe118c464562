// Is this an LVM physical volume? The one answer pv2luks gives, with the
// semantics of blkid's lvm2 prober (libblkid's superblocks/lvm.c): one of the
// first four 512-byte sectors starts with "LABELONE", the label's own sector
// field names that same sector, and its type is "LVM2 001". A label found in
// a sector other than the one it names (a copy of the sector, shifted) is no
// label. The label's checksum and the pv_header are lvm/ondisk_label.h's to
// check, which says what is wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "base/read_at.h"

namespace pv2luks {

inline constexpr std::uint64_t kLvmLabelScanSectors = 4;

// The sector (0-3) holding the label among `head`, the device's first bytes
// (up to four sectors; a sector cut short is not looked at); nullopt when
// none holds one.
std::optional<std::uint64_t> find_lvm_label(std::span<const std::uint8_t> head);

// The same on the device of `size_bytes` bytes that `read` reads.
std::optional<std::uint64_t> probe_lvm_label(const ReadAt& read, std::uint64_t size_bytes);

}  // namespace pv2luks
