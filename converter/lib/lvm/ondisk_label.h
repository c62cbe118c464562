// LVM2's on-disk PV layout, read from the PV's bytes without the lvm tools:
// the label in one of the first four sectors, the pv_header it holds (PV UUID,
// device size, data and metadata area lists), each metadata area's header and
// the metadata text it points at. Every field is little-endian; every
// checksum is lvm_crc32 (base/crc32.h). The layout is lvm2's
// lib/label/label.h and lib/format_text/layout.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/probe_lvm_label.h"
#include "base/read_at.h"
#include "base/sector.h"

namespace pv2luks {

// A byte range of the PV, from its first byte. A data area of size 0 runs to
// the end of the device.
struct DiskArea {
  std::uint64_t offset_bytes = 0;
  std::uint64_t size_bytes = 0;
  bool operator==(const DiskArea&) const = default;
};

struct PvLabel {
  std::uint64_t label_sector = 0;
  std::string pv_uuid;  // as the metadata text spells it: 6-4-4-4-4-4-6 characters
  std::uint64_t device_size_bytes = 0;
  std::vector<DiskArea> data_areas;  // the first starts at pe_start
  std::vector<DiskArea> metadata_areas;
};

// The committed metadata text of one metadata area.
struct MetadataText {
  DiskArea area;
  std::string text;  // without LVM's trailing NUL
};

// The label and pv_header of the PV whose `size_bytes` bytes `read` reads.
// Errors say what is wrong: no label ("not a PV"), a checksum mismatch, a
// label of another type, area lists that overrun the sector or the PV.
PvLabel read_pv_label(const ReadAt& read, std::uint64_t size_bytes);

// The committed metadata text (slot 0 of the header's raw locations) of the
// metadata area `area`, its checksum checked, or nullopt when the area holds
// none (a PV in no VG) or LVM marks it ignored (metadataignore). A bad header
// (checksum, magic, version, start) or text is an Error.
std::optional<MetadataText> read_metadata_area(const ReadAt& read, std::uint64_t size_bytes,
                                               const DiskArea& area);

}  // namespace pv2luks
