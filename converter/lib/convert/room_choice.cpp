#include "convert/room_choice.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include "base/error.h"
#include "base/sector.h"
#include "base/size_text.h"
#include "journal/area.h"

namespace pv2luks {

namespace {

LuksType luks_type(const ConvertOptions& options) {
  return options.type == LuksVersion::kLuks1 ? LuksType::kLuks1 : LuksType::kLuks2;
}

// The header cryptsetup would make given all the room it wants.
std::uint64_t default_header_sectors(const ConvertOptions& options) {
  return choose_header(luks_type(options), std::numeric_limits<std::uint64_t>::max() / 2,
                       options.key_size_bits, 512)
      .spec.data_offset_sectors;
}

// What the journal takes at the device's end (journal/area.h), in sectors.
std::uint64_t journal_sectors(const PvReport& pv) {
  return pv.dev_size_sectors - journal_start_sectors(pv.dev_size_sectors);
}

// The room after the PV left for the header by its extents: the tail minus
// the journal.
std::uint64_t room_after_extents(const PvReport& pv) {
  const std::uint64_t tail = pv.tail_room_sectors();
  return tail > journal_sectors(pv) ? tail - journal_sectors(pv) : 0;
}

// The most the header may take so that the LUKS data area (the device less
// the header) still holds the size LVM recorded for the PV.
std::uint64_t room_by_recorded_size(const PvReport& pv) {
  if (pv.recorded_size_sectors == 0) return std::numeric_limits<std::uint64_t>::max();
  return pv.dev_size_sectors > pv.recorded_size_sectors
             ? pv.dev_size_sectors - pv.recorded_size_sectors
             : 0;
}

std::uint64_t header_room_sectors(const PvReport& pv) {
  return std::min(room_after_extents(pv), room_by_recorded_size(pv));
}

// The refusal when the extents leave room for a header but LVM's recorded
// size does not.
[[noreturn]] void refuse_recorded_size(const std::string& device, const PvReport& pv,
                                       const std::string& pv_device) {
  Fail() << device << ": LVM records the PV's size as " << pv.recorded_size_sectors
         << " sectors (" << size_text(pv.recorded_size_sectors * kSectorBytes)
         << "), and the device has " << pv.dev_size_sectors
         << " sectors: with any LUKS header in front, the data area would be smaller than that, "
            "and LVM would warn on the converted PV that its device is smaller than the PV. "
            "The PV's extents end at sector "
         << pv.used_sectors() << ": set the recorded size to that first (pvresize "
         << "--setphysicalvolumesize " << pv.used_sectors() << "s " << pv_device << "), or grow "
         << "the partition";
}

}  // namespace

void say_choice(const std::string& what, const PvReport& pv, const HeaderChoice& header,
                const Plan& plan, const MessageFn& say) {
  say(what + ": PV of VG " + pv.vg_name + ", " + size_text(pv.used_sectors() * kSectorBytes) +
      " to move, " + size_text(pv.tail_room_sectors() * kSectorBytes) + " free after it");
  say("header: " + header.summary);
  say("plan: " + std::to_string(plan.chunk_count()) + " chunks of up to " +
      size_text(plan.chunk_sectors * kSectorBytes) + ", moved from the end");
}

RoomChoice choose_room_and_header(const ConvertOptions& options, const PvReport& pv_now,
                                  const std::string& pv_device, const MessageFn& say) {
  RoomChoice choice;
  const RoomPlan room =
      plan_room(pv_now, default_header_sectors(options) + journal_sectors(pv_now));
  PvReport pv = pv_now;
  if (!room.enough() && options.make_room && room.tail_extents_free) {
    choice.make_room = room;
    pv = shrunk(pv_now, room);
    say("--make-room: the PV's last " + std::to_string(room.extents_to_free) +
        " extents are free; the PV will shrink to " + std::to_string(room.first_extent_to_free) +
        " extents first");
  }
  choice.header = choose_header(luks_type(options), header_room_sectors(pv) * kSectorBytes,
                                options.key_size_bits, 512);
  const bool recorded_size_limits = room_by_recorded_size(pv) < room_after_extents(pv);
  if (!choice.header.fits) {
    if (recorded_size_limits &&
        choose_header(luks_type(options), room_after_extents(pv) * kSectorBytes,
                      options.key_size_bits, 512)
            .fits) {
      refuse_recorded_size(options.device, pv, pv_device);
    }
    Fail() << options.device << ": " << room_advice(room, pv_now, pv_device);
  }
  if (recorded_size_limits) {
    say("note: LVM records the PV's size as " +
        size_text(pv.recorded_size_sectors * kSectorBytes) +
        ", which the LUKS data area must hold: the header may take " +
        size_text(room_by_recorded_size(pv) * kSectorBytes) + " at most");
  }
  if (!room.enough() && !choice.make_room && room.tail_extents_free) {
    say("note: --make-room would free the PV's last " + std::to_string(room.extents_to_free) +
        " extents for cryptsetup's default header");
  }
  choice.pv = pv;
  return choice;
}

PvReport shrunk(const PvReport& pv, const RoomPlan& room) {
  PvReport out = pv;
  out.pv_size_sectors = room.first_extent_to_free * room.extent_sectors;
  // pvresize --setphysicalvolumesize records at most the size it was given.
  if (out.recorded_size_sectors > room.new_pv_device_sectors) {
    out.recorded_size_sectors = room.new_pv_device_sectors;
  }
  out.segments.clear();
  for (PvSegment segment : pv.segments) {
    if (segment.start_extents >= room.first_extent_to_free) continue;
    const std::uint64_t end = segment.start_extents + segment.size_extents;
    if (end > room.first_extent_to_free) {
      segment.size_extents = room.first_extent_to_free - segment.start_extents;
    }
    out.segments.push_back(segment);
  }
  return out;
}

}  // namespace pv2luks
