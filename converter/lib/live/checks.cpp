#include "live/checks.h"

#include <unistd.h>

#include <filesystem>
#include <limits>
#include <sstream>

#include "base/error.h"
#include "convert/prepared_header.h"
#include "journal/area.h"

namespace pv2luks {

namespace {

constexpr std::uint64_t kSectorBytes = 512;

std::string size_text(std::uint64_t bytes) {
  std::ostringstream out;
  if (bytes >= 1024 * 1024) {
    out << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
  } else {
    out << bytes << " bytes";
  }
  return out.str();
}

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

// The room after the PV left for the header: the tail minus the journal.
std::uint64_t header_room_sectors(const PvReport& pv) {
  const std::uint64_t tail = pv.tail_room_sectors();
  return tail > journal_sectors(pv) ? tail - journal_sectors(pv) : 0;
}

// Picks the header, shrinking the PV first when --make-room allows it.
void choose_room_and_header(const ConvertOptions& options, Checked& checked, const MessageFn& say) {
  const RoomPlan room =
      plan_room(checked.pv, default_header_sectors(options) + journal_sectors(checked.pv));
  PvReport pv = checked.pv;
  if (!room.enough() && options.make_room && room.tail_extents_free) {
    checked.make_room = room;
    pv = shrunk(checked.pv, room);
    say("--make-room: the PV's last " + std::to_string(room.extents_to_free) +
        " extents are free; the PV will shrink to " + std::to_string(room.first_extent_to_free) +
        " extents first");
  }
  checked.header = choose_header(luks_type(options), header_room_sectors(pv) * kSectorBytes,
                                 options.key_size_bits, 512);
  if (!checked.header.fits) Fail() << options.device << ": " << room_advice(room, checked.pv, options.device);
  if (!room.enough() && !checked.make_room && room.tail_extents_free) {
    say("note: --make-room would free the PV's last " + std::to_string(room.extents_to_free) +
        " extents for cryptsetup's default header");
  }
  checked.pv = pv;
}

}  // namespace

PvReport shrunk(const PvReport& pv, const RoomPlan& room) {
  PvReport out = pv;
  out.pv_size_sectors = room.first_extent_to_free * room.extent_sectors;
  out.segments.clear();
  for (PvSegment segment : pv.segments) {
    if (segment.start_extents >= room.first_extent_to_free) continue;
    const std::uint64_t end = segment.start_extents + segment.size_extents;
    if (end > room.first_extent_to_free) segment.size_extents = room.first_extent_to_free - segment.start_extents;
    out.segments.push_back(segment);
  }
  return out;
}

Checked check(const ConvertOptions& options, const MessageFn& say) {
  if (::geteuid() != 0) Fail() << "pv2luks convert must run as root";
  split_cipher(options.cipher);
  Checked checked;
  checked.device = inspect_block_device(options.device);
  checked.lock = std::make_shared<DeviceLock>(checked.device);
  if (checked.device.read_only) {
    Fail() << options.device << ": the device is read-only; nothing to convert on it";
  }
  if (starts_with_luks_header(options.device)) {
    Fail() << options.device << ": already a LUKS device; nothing to convert";
  }
  checked.pv = read_pv_report(options.device);
  const auto refusals = pv_refusals(checked.pv);
  if (!refusals.empty()) Fail() << options.device << ": " << refusals.front();
  choose_room_and_header(options, checked, say);
  PlanInput input;
  input.move_sectors = checked.pv.used_sectors();
  input.device_sectors = checked.device.size_bytes / kSectorBytes;
  input.data_offset_sectors = checked.header.spec.data_offset_sectors;
  input.sector_bytes = checked.device.logical_sector_bytes;
  checked.plan = make_plan(input);
  if (!checked.plan.ok()) Fail() << options.device << ": " << checked.plan.problems.front();
  checked.base_name = std::filesystem::canonical(options.device).filename().string();
  checked.intermediate = checked.base_name + "_crypt";
  checked.crypt_full = "pv2luks-" + checked.base_name + "-full";
  say(options.device + ": PV of VG " + checked.pv.vg_name + ", " +
      size_text(input.move_sectors * kSectorBytes) + " to move, " +
      size_text(checked.pv.tail_room_sectors() * kSectorBytes) + " free after it");
  say("header: " + checked.header.summary);
  say("plan: " + std::to_string(checked.plan.chunk_count()) + " chunks of up to " +
      size_text(checked.plan.chunk_sectors * kSectorBytes) + ", moved from the end");
  return checked;
}

}  // namespace pv2luks
