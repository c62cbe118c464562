// Room for the LUKS header after the PV: how much is missing, and how to make
// it. Pure: a PvReport in, a RoomPlan out. The data moves toward the device's
// end by the header size, so the PV's last sector plus that shift must fit in
// the device. When it does not, the PV must shrink by whole extents.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lvm/pv_report.h"

namespace pv2luks {

struct RoomPlan {
  std::uint64_t wanted_sectors = 0;     // the shift asked for
  std::uint64_t tail_room_sectors = 0;  // what is free after the PV now
  std::uint64_t extent_sectors = 0;
  // Extents to cut off the PV's end; 0 when the room is already there.
  std::uint64_t extents_to_free = 0;
  // The first extent that must be free: [first_extent_to_free, pe_count).
  std::uint64_t first_extent_to_free = 0;
  std::uint64_t pe_count = 0;
  bool tail_extents_free = false;        // those extents hold no LV
  std::vector<std::string> blocking_lvs;  // "vg/lv" using them, in PE order
  std::uint64_t free_extents_elsewhere = 0;  // free on this PV before the tail
  // pvresize's --setphysicalvolumesize argument, in 512-byte sectors, that
  // leaves exactly pe_count - extents_to_free extents.
  std::uint64_t new_pv_device_sectors = 0;

  bool enough() const { return extents_to_free == 0; }
};

// wanted_sectors: the header size the conversion wants to shift by.
RoomPlan plan_room(const PvReport& pv, std::uint64_t wanted_sectors);

// The PV's extent size, from pv_size / the extents its segments cover.
std::uint64_t extent_sectors(const PvReport& pv);

// The pvresize command that makes the room (needs tail_extents_free).
std::vector<std::string> make_room_command(const RoomPlan& room, const std::string& device);

// What to tell the user when the room is missing: how many extents must be
// freed, which LVs hold them, and the lvm commands that would free them.
std::string room_advice(const RoomPlan& room, const PvReport& pv, const std::string& device);

}  // namespace pv2luks
