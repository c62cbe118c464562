// Room for the header and the journal after the PV, and the header that fits
// it: the same choice for the live and the offline conversion. Pure apart
// from say().
#pragma once

#include <optional>

#include "luks/header.h"
#include "lvm/pv_report.h"
#include "lvm/room.h"
#include "plan/plan.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

struct RoomChoice {
  HeaderChoice header;
  // Set when --make-room will shrink the PV first; `pv` and `header` are for
  // the PV after that shrink.
  std::optional<RoomPlan> make_room;
  PvReport pv;
};

// Picks the largest header up to cryptsetup's default that fits the tail
// room left after the journal, shrinking the PV first when options.make_room
// allows it. An Error (a refusal with room_advice, its commands naming the PV
// as `pv_device`) when none fits.
RoomChoice choose_room_and_header(const ConvertOptions& options, const PvReport& pv,
                                  const std::string& pv_device, const MessageFn& say);

// Says what was found and chosen, in three lines: "WHAT: PV of VG vg, N MiB
// to move, M MiB free after it", the header, the plan.
void say_choice(const std::string& what, const PvReport& pv, const HeaderChoice& header,
                const Plan& plan, const MessageFn& say);

// The PV report as it will be after `room`'s shrink: fewer extents, the same
// start. Pure.
PvReport shrunk(const PvReport& pv, const RoomPlan& room);

}  // namespace pv2luks
