// The live conversion's checks: what the disk and LVM say, the header that
// fits and the chunk schedule. Everything here reads; nothing writes. A
// refusal is an Error whose message says what to do.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "device/block_device.h"
#include "luks/header.h"
#include "lvm/pv_report.h"
#include "lvm/room.h"
#include "plan/plan.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

struct Checked {
  BlockDevice device;
  std::shared_ptr<DeviceLock> lock;  // taken before LVM is asked anything
  PvReport pv;
  // Set when --make-room will shrink the PV first; the header and the plan
  // below are for the PV after that shrink.
  std::optional<RoomPlan> make_room;
  HeaderChoice header;
  Plan plan;
  std::string base_name;     // "vda2"
  std::string intermediate;  // "vda2_crypt": the final LUKS mapping's name too
  std::string crypt_full;    // "pv2luks-vda2-full"
};

// Reads everything and decides; say() reports the geometry and the choices.
// Throws Error (a refusal) when the conversion must not start.
Checked check(const ConvertOptions& options, const MessageFn& say);

}  // namespace pv2luks
