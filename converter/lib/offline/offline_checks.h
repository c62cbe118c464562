// The offline conversion's checks: the image opened and locked, the PV found
// in it and read from its own bytes (no lvm tools), the header that fits and
// the chunk schedule. Everything here reads; a refusal is an Error whose
// message says what to do.
#pragma once

#include <optional>

#include "image/image_view.h"
#include "luks/header.h"
#include "lvm/pv_metadata.h"
#include "lvm/pv_report.h"
#include "lvm/room.h"
#include "offline/guest_rules.h"
#include "offline/locate_pv.h"
#include "plan/plan.h"
#include "plan/sparse.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

struct OfflineChecked {
  ImageView image;  // locked (and for qcow2 exported) while this lives
  PvLocation location;
  PvReport pv;      // the PV's geometry, in the live path's terms
  // Set when --make-room will shrink the PV first; `pv`, `header` and `plan`
  // are for the PV after that shrink.
  std::optional<RoomPlan> make_room;
  HeaderChoice header;
  Plan plan;
  // --guest-config: the guest OS libguestfs found in the plaintext image.
  std::optional<GuestFacts> guest;
  // --sparse: the PV's free extents, in sectors of the partition, inside
  // what moves (the image said it can tell holes from data).
  std::vector<SectorRange> free_sectors;
};

// Opens options.device (writable unless dry_run) and decides. say() reports
// the geometry and the choices. With --guest-config the guest OS is inspected
// first (libguestfs, read-only, before the image is opened for writing); a
// guest that --guest-config could not make bootable is refused.
OfflineChecked check_offline(const ConvertOptions& options, const MessageFn& say);

// The on-disk PV in the live path's terms: pe_start, the extents' area, the
// device's size and the segments on this PV (free ones included). Pure.
PvReport pv_report_of(const PvOnDisk& pv, std::uint64_t device_bytes);

}  // namespace pv2luks
