// --make-room offline: LVM's own pvresize, run on a loop device over the PV's
// partition, shrinks the PV when its last extents are free. LVM rewrites its
// metadata at the PV's front; no extent moves. Needs lvm2 and loop devices
// (not device-mapper: activation stays off).
#pragma once

#include "lvm/pv_report.h"
#include "lvm/room.h"
#include "offline/range_file.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

// Runs the shrink and checks, by reading the PV back from its bytes, that it
// now spans what the plan was made for (`planned`). An Error otherwise.
void make_room_offline(const ByteRange& range, const RoomPlan& room, const PvReport& planned,
                       const MessageFn& say);

}  // namespace pv2luks
