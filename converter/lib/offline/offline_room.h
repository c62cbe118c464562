// --make-room offline: LVM's own pvresize, run on a loop device over the PV's
// partition, shrinks the PV when its last extents are free. LVM rewrites its
// metadata at the PV's front; no extent moves. Needs lvm2 and loop devices
// (not device-mapper: activation stays off).
//
// A raw disk that is no file (a qcow2 image's NBD export) has nothing a loop
// device can sit on. LVM then works on a copy: a sparse memfd as large as the
// partition, holding the partition's bytes outside the extents (the label
// and metadata area before pe_start; the end, where a second metadata area
// would be). The 4 KiB blocks pvresize changed there are written back to the
// image, the highest first (LVM's own order within a metadata area: the new
// text before the header that points to it, the label last), then flushed.
#pragma once

#include "lvm/pv_report.h"
#include "lvm/room.h"
#include "base/range_file.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

// Runs the shrink and checks, by reading the PV back from its bytes, that it
// now spans what the plan was made for (`planned`). An Error otherwise.
void make_room_offline(const ByteRange& range, const RoomPlan& room, const PvReport& planned,
                       const MessageFn& say);

}  // namespace pv2luks
