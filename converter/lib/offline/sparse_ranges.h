// --sparse, offline: the PV's free extents and the image's allocation, in
// the sector ranges plan/sparse.h cuts chunks with.
#pragma once

#include <string>
#include <vector>

#include "base/range_file.h"
#include "crypto/xts.h"
#include "lvm/pv_report.h"
#include "plan/plan.h"
#include "plan/sparse.h"

namespace pv2luks {

// The PV's free extents, in sectors from the PV's first sector, in order.
std::vector<SectorRange> free_extent_sectors(const PvReport& pv);

// The allocated sectors of `range` of `file` (a sector partly allocated
// counts as allocated). An Error when the image cannot tell (a block
// device; an NBD export without block status): --sparse is refused then.
std::vector<SectorRange> allocated_sectors(const RangeFile& file, const SectorRange& range);

// For a --sparse conversion's checks: the free extents of `pv` below
// `move_sectors`, after asking `file` about its first block (so an image
// that cannot tell is refused before anything is written).
std::vector<SectorRange> sparse_free_sectors(const RangeFile& file, const PvReport& pv,
                                             std::uint64_t move_sectors);

// The same for a resume, `chunks_done` chunks of `plan` into the move: the
// PV's metadata is read from a view of the PV as it stands, the part not
// yet moved in place and the moved part decrypted with `cipher` from
// data_offset further on.
std::vector<SectorRange> resumed_free_sectors(const RangeFile& file, XtsCipher& cipher,
                                              const Plan& plan, std::uint64_t chunks_done);

}  // namespace pv2luks
