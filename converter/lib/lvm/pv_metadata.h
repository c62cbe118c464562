// A PV read straight from its bytes: label, the newest VG metadata of its
// metadata areas, and where each LV's data lies on it. For offline
// conversion and `verify --offline`, which have no device-mapper and no lvm
// tools (verify reads a PV that exists only as userspace-decrypted bytes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/read_at.h"
#include "lvm/metadata_text.h"
#include "lvm/ondisk_label.h"

namespace pv2luks {

struct PvOnDisk {
  std::string pv_uuid;
  std::uint64_t device_size_bytes = 0;  // what the label records
  std::uint64_t pe_start_bytes = 0;
  std::uint32_t metadata_area_count = 0;  // a second one sits at the PV's end
  VgMeta vg;
  std::string this_pv;  // its name in vg.pvs ("pv0")

  const PvMeta& meta() const;  // vg's entry for this PV
  std::uint64_t extent_size_bytes() const;
  std::uint64_t pe_count() const;
};

// The PV whose `size_bytes` bytes `read` reads. The metadata with the highest
// seqno among its metadata areas wins. Errors name what is wrong: not a PV,
// a checksum, a PV in no VG, metadata that does not list this PV or puts
// extents beyond `size_bytes`.
PvOnDisk read_pv(const ReadAt& read, std::uint64_t size_bytes);

// Pure: the PV that `label` and its VG metadata `vg` describe, checked
// against each other and against `size_bytes`.
PvOnDisk pv_on_disk(const PvLabel& label, VgMeta vg, std::uint64_t size_bytes);

// Where the highest allocated extent on this PV ends, in bytes from the PV's
// first byte; pe_start_bytes when no extent is allocated. Counts every LV,
// hidden ones included: what lies after it is free.
std::uint64_t allocated_end_bytes(const PvOnDisk& pv);

struct PvByteRange {
  std::uint64_t offset_bytes = 0;  // from the PV's first byte
  std::uint64_t length_bytes = 0;
  bool operator==(const PvByteRange&) const = default;
};

struct LvOnPv {
  std::string vg;
  std::string lv;
  std::uint64_t size_bytes = 0;
  std::vector<PvByteRange> ranges;  // in logical order; empty when skipped
  std::string skip_reason;          // why its bytes cannot be read from this PV alone
};

// Every LV of the VG, sorted by name: the byte ranges of those that lie
// wholly on this PV in linear (one-stripe "striped") segments, and a reason
// for the others (hidden sub-LVs, other segment types, other PVs).
std::vector<LvOnPv> lvs_on_pv(const PvOnDisk& pv);

}  // namespace pv2luks
