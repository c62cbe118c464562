#include "offline/offline_checks.h"

#include <algorithm>

#include "base/error.h"
#include "base/sector.h"
#include "convert/prepared_header.h"
#include "convert/room_choice.h"
#include "crypto/xts.h"
#include "journal/journal_state.h"
#include "offline/guest_config.h"
#include "offline/sparse_ranges.h"

namespace pv2luks {

namespace {

// The extents on this PV that LV segments use: stripes of striped segments,
// and the PV legs of mirror and pvmove segments.
std::vector<PvSegment> used_segments(const PvOnDisk& pv) {
  std::vector<PvSegment> out;
  for (const LvMeta& lv : pv.vg.lvs) {
    for (const LvSegment& segment : lv.segments) {
      const std::uint64_t stripes =
          segment.type == "striped" ? std::max<std::uint64_t>(segment.stripe_count, 1) : 1;
      for (const SegmentArea& area : segment.areas) {
        if (area.name != pv.this_pv) continue;
        out.push_back({area.first_extent, segment.extent_count / stripes, lv.name, segment.type, ""});
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const PvSegment& a, const PvSegment& b) { return a.start_extents < b.start_extents; });
  return out;
}

// The partition with the PV, or with a LUKS volume: a converted image is
// then refused as such rather than as "no PV".
PvLocation locate_pv_to_convert(const ImageView& image, std::uint32_t partition) {
  const auto pv_or_luks = [](const ByteRange& range) {
    return has_lvm_label(range) || has_luks_magic(range) || has_journal(range);
  };
  return locate_pv(image, partition, pv_or_luks, "LVM physical volume");
}

// The PV to convert, and no LUKS volume there yet.
PvLocation locate_unconverted(const ImageView& image, const ConvertOptions& options) {
  const PvLocation location = locate_pv_to_convert(image, options.partition);
  refuse_over_journal(location.range, options.device + ": " + location.name,
                      "pv2luks resume --offline " + options.device +
                          (options.partition ? " --partition " + std::to_string(options.partition) : ""));
  if (has_luks_magic(location.range)) {
    Fail(RefuseReason::kWrongDevice) << options.device << ": " << location.name
           << " is already a LUKS volume; nothing to convert";
  }
  return location;
}

// --guest-config: the quick refusals first on a read-only view, which is
// closed again before libguestfs's QEMU opens the image (our lock would keep
// it out); then the guest OS, and whether --guest-config can make it boot.
GuestFacts check_guest(const ConvertOptions& options, const MessageFn& say) {
  ImageFormat format = ImageFormat::raw;
  {
    const ImageView view = open_image(options.device, ImageUse::dry_run);
    locate_unconverted(view, options);
    format = view.format();
  }
  GuestFacts facts = probe_guest(options.device, format, say);
  const GuestDecision decision = decide_guest(facts, "", "");
  if (!decision.refusal.empty()) {
    Fail() << options.device << ": --guest-config: " << decision.refusal
           << "; then convert again (or convert without --guest-config)";
  }
  say("guest: " + facts.product + " (" + facts.distro + ", root " + facts.root + "): " +
      (decision.configure ? "after the conversion its crypttab gets the line and its "
                            "initramfs is rebuilt"
                          : "not a Debian or Ubuntu guest: nothing inside it will be changed"));
  return facts;
}

}  // namespace

PvReport pv_report_of(const PvOnDisk& pv, std::uint64_t device_bytes) {
  PvReport report;
  report.pv_name = pv.this_pv;
  report.pv_uuid = pv.pv_uuid;
  report.vg_name = pv.vg.name;
  report.pe_start_sectors = pv.pe_start_bytes / kSectorBytes;
  report.pv_size_sectors = pv.pe_count() * pv.vg.extent_size_sectors;
  report.dev_size_sectors = device_bytes / kSectorBytes;
  report.recorded_size_sectors = pv.meta().dev_size_sectors;
  report.mda_count = pv.metadata_area_count;
  std::uint64_t next = 0;
  for (const PvSegment& used : used_segments(pv)) {
    if (used.start_extents > next) {
      report.segments.push_back({next, used.start_extents - next, "", "free", ""});
    }
    report.segments.push_back(used);
    next = std::max(next, used.start_extents + used.size_extents);
  }
  if (next < pv.pe_count()) report.segments.push_back({next, pv.pe_count() - next, "", "free", ""});
  return report;
}

OfflineChecked check_offline(const ConvertOptions& options, const MessageFn& say) {
  split_cipher(options.cipher);
  if (const std::string problem = xts_support_problem(options.cipher, options.key_size_bits / 8);
      !problem.empty()) {
    Fail() << "--offline: " << problem;
  }
  if (options.guest_config) check_guest_config_available();
  std::optional<GuestFacts> guest;
  if (options.guest_config) guest = check_guest(options, say);
  OfflineChecked checked{
      open_image(options.device, options.dry_run ? ImageUse::dry_run : ImageUse::convert),
      {}, {}, {}, {}, {}, guest, {}};
  const std::string& image = options.device;
  for (const std::string& note : checked.image.notes()) say(note);
  checked.location = locate_unconverted(checked.image, options);
  const ByteRange& range = checked.location.range;
  RangeFile file(range, false);
  const PvOnDisk pv = read_pv(file.reader(), range.size_bytes);
  checked.pv = pv_report_of(pv, range.size_bytes);
  if (checked.pv.mda_count > 1) {
    Fail() << image << ": the PV has " << checked.pv.mda_count << " metadata areas; one sits at "
           << "its end, where the data would move (inside the VM: pvchange --metadataignore y "
           << "on it, or vgcfgbackup and pvcreate --metadatacopies 1 anew)";
  }
  const RoomChoice room = [&] {
    try {
      return choose_room_and_header(options, checked.pv, "PV", say);
    } catch (const Error& e) {
      Fail() << e.what() << " (the lvm commands are for inside the VM, where PV is the PV's "
             << "device; or grow the image and its partition)";
    }
  }();
  checked.header = room.header;
  checked.make_room = room.make_room;
  checked.pv = room.pv;
  PlanInput input;
  input.move_sectors = checked.pv.used_sectors();
  input.device_sectors = range.size_bytes / kSectorBytes;
  input.data_offset_sectors = checked.header.spec.data_offset_sectors;
  input.sector_bytes = checked.image.logical_sector_bytes();
  checked.plan = make_plan(input);
  if (!checked.plan.ok()) Fail() << image << ": " << checked.plan.problems.front();
  if (options.sparse) checked.free_sectors = sparse_free_sectors(file, checked.pv, input.move_sectors);
  say_choice(image + ": " + checked.location.name, checked.pv, checked.header, checked.plan, say);
  return checked;
}

}  // namespace pv2luks
