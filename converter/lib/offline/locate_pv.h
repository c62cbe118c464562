// Where the PV is inside a disk image: its partition (from the partition
// table) or the whole disk. `--partition N` names it; otherwise it is the one
// partition that has what the caller looks for (an LVM label to convert, a
// journal to resume, a LUKS header to verify).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "image/image_view.h"
#include "base/range_file.h"

namespace pv2luks {

struct PvLocation {
  ByteRange range;           // the partition (or whole disk) inside the image's I/O path
  std::uint32_t number = 0;  // the partition number; 0 for the whole disk
  std::string name;          // "partition 2" or "the whole disk", for messages
};

// Whether a candidate partition (or the whole disk) has what is looked for.
using CandidateTest = std::function<bool(const ByteRange& range)>;

// `partition` 0: the one candidate that passes `test`; an Error when there
// is none ("no WHAT found", listing what the table has) or several ("pick one
// with --partition N"). Otherwise that partition, which must exist.
PvLocation locate_pv(const ImageView& image, std::uint32_t partition, const CandidateTest& test,
                     const std::string& what);

// Candidate tests: an LVM label in the first four sectors
// (base/probe_lvm_label.h); a LUKS header, primary or LUKS2 secondary
// (base/probe_luks.h); a pv2luks journal with a good record at the end.
bool has_lvm_label(const ByteRange& range);
bool has_luks_magic(const ByteRange& range);
bool has_journal(const ByteRange& range);

}  // namespace pv2luks
