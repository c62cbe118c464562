#include "lvm/room.h"

#include <sstream>

#include "base/sector.h"
#include "base/size_text.h"

namespace pv2luks {

namespace {

std::uint64_t covered_extents(const PvReport& pv) {
  std::uint64_t extents = 0;
  for (const PvSegment& segment : pv.segments) extents += segment.size_extents;
  return extents;
}

}  // namespace

std::uint64_t extent_sectors(const PvReport& pv) {
  const std::uint64_t extents = covered_extents(pv);
  return extents == 0 ? 0 : pv.pv_size_sectors / extents;
}

RoomPlan plan_room(const PvReport& pv, std::uint64_t wanted_sectors) {
  RoomPlan room;
  room.wanted_sectors = wanted_sectors;
  room.tail_room_sectors = pv.tail_room_sectors();
  room.extent_sectors = extent_sectors(pv);
  room.pe_count = covered_extents(pv);
  room.first_extent_to_free = room.pe_count;
  if (room.tail_room_sectors >= wanted_sectors || room.extent_sectors == 0) return room;
  const std::uint64_t missing = wanted_sectors - room.tail_room_sectors;
  room.extents_to_free = (missing + room.extent_sectors - 1) / room.extent_sectors;
  if (room.extents_to_free > room.pe_count) room.extents_to_free = room.pe_count;
  room.first_extent_to_free = room.pe_count - room.extents_to_free;
  room.tail_extents_free = true;
  for (const PvSegment& segment : pv.segments) {
    const std::uint64_t end = segment.start_extents + segment.size_extents;
    const bool in_tail = end > room.first_extent_to_free;
    if (segment.lv_name.empty()) {
      // Free extents before the tail are where a pvmove can put the tail's.
      const std::uint64_t before_tail =
          in_tail ? (segment.start_extents < room.first_extent_to_free
                         ? room.first_extent_to_free - segment.start_extents
                         : 0)
                  : segment.size_extents;
      room.free_extents_elsewhere += before_tail;
    } else if (in_tail) {
      room.tail_extents_free = false;
      const std::string lv = pv.vg_name + "/" + segment.lv_name;
      if (room.blocking_lvs.empty() || room.blocking_lvs.back() != lv) room.blocking_lvs.push_back(lv);
    }
  }
  room.new_pv_device_sectors = pv.pe_start_sectors + room.first_extent_to_free * room.extent_sectors;
  return room;
}

std::vector<std::string> make_room_command(const RoomPlan& room, const std::string& device) {
  return {"pvresize", "--yes", "--setphysicalvolumesize",
          std::to_string(room.new_pv_device_sectors) + "s", device};
}

std::string room_advice(const RoomPlan& room, const PvReport& pv, const std::string& device) {
  std::ostringstream out;
  const std::uint64_t last = room.pe_count - 1;
  out << "not enough room after the PV for the LUKS header and pv2luks's 1 MiB journal: "
      << "they need " << size_text(room.wanted_sectors * kSectorBytes) << ", "
      << size_text(room.tail_room_sectors * kSectorBytes)
      << " is free after the PV. Free the PV's last " << room.extents_to_free << " extent"
      << (room.extents_to_free == 1 ? "" : "s") << " (PE " << room.first_extent_to_free;
  if (room.extents_to_free > 1) out << "-" << last;
  out << " of " << size_text(room.extent_sectors * kSectorBytes) << " each) and shrink the PV.";
  const std::string shrink =
      "pvresize --setphysicalvolumesize " + std::to_string(room.new_pv_device_sectors) + "s " + device;
  if (room.tail_extents_free) {
    out << " They are free: run again with --make-room, or run: " << shrink;
    return out.str();
  }
  out << " They hold ";
  for (std::size_t i = 0; i < room.blocking_lvs.size(); ++i) {
    out << (i ? ", " : "") << room.blocking_lvs[i];
  }
  out << ".";
  if (room.free_extents_elsewhere >= room.extents_to_free && room.first_extent_to_free > 0) {
    out << " Move them to free extents earlier on the same PV, then run again with --make-room: "
        << "pvmove --alloc anywhere " << device << ":" << room.first_extent_to_free << "-" << last
        << " " << device << ":0-" << room.first_extent_to_free - 1;
  } else {
    out << " The PV has only " << room.free_extents_elsewhere << " free extent"
        << (room.free_extents_elsewhere == 1 ? "" : "s") << " before them; free "
        << room.extents_to_free - room.free_extents_elsewhere
        << " more first (lvreduce --resizefs -l -N on an LV of " << pv.vg_name
        << ", or vgextend " << pv.vg_name << " with another PV and pvmove " << device << ":"
        << room.first_extent_to_free << "-" << last
        << " onto it), then run again with --make-room";
  }
  return out.str();
}

}  // namespace pv2luks
