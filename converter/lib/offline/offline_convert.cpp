// convert_offline: the offline conversion of a disk image or an unused
// device, top-down. Each phase is one function.
//
//   check    open and lock the image (qcow2: export it over NBD), find the
//            PV, read its LVM metadata from its own bytes, choose the
//            header, plan; refuse before anything is written
//   confirm  the caller's question, unless --yes
//   prepare  passphrase, volume key, header (in memory), the XTS cipher
//   make room  --make-room only: LVM's pvresize on a loop device shrinks the PV
//            (for qcow2: on a copy of the PV's metadata, offline_room.h)
//   stage    the header copy and the first record into the journal
//   move     chunk by chunk from the end, encrypted in userspace, each
//            committed to the journal once durable; then the header
//   after    the image closed (qcow2: flushed and the export stopped); the
//            crypttab line; --guest-config: the guest configured through
//            libguestfs (offline/guest_config.h)
//
// Failures before `stage` are refusals: nothing was written. From `stage` on,
// 'pv2luks resume --offline IMAGE' continues from the journal.
#include <memory>
#include <sstream>

#include "base/error.h"
#include "base/test_point.h"
#include "convert/prepared_header.h"
#include "convert/result.h"
#include "convert/unused_options.h"
#include "crypto/xts.h"
#include "journal/area.h"
#include "journal/commit.h"
#include "convert/run_stop.h"
#include "offline/guest_config.h"
#include "offline/offline_checks.h"
#include "offline/offline_room.h"
#include "offline/offline_resume.h"
#include "offline/userspace_move.h"
#include "plan/plan_text.h"

namespace pv2luks {

namespace {

std::string confirm_summary(const ConvertOptions& options, const OfflineChecked& checked) {
  std::ostringstream out;
  out << "This converts the PV on " << checked.location.name << " of " << options.device
      << " (VG " << checked.pv.vg_name << ") to "
      << (options.type == LuksVersion::kLuks1 ? "LUKS1" : "LUKS2") << " in place";
  if (checked.make_room) {
    out << ", after shrinking the PV by " << checked.make_room->extents_to_free << " extents";
  }
  out << ". Progress is journaled: after a crash, 'pv2luks resume --offline "
      << options.device << "' finishes the job.";
  return out.str();
}

ConvertResult dry_run(const OfflineChecked& checked, const MessageFn& say) {
  say("journal: the PV's partition's last MiB, from sector " +
      std::to_string(journal_start_sectors(checked.plan.input.device_sectors)));
  say("chunks, in the order they move (sectors of the partition):");
  for (std::uint64_t k = 0; k < checked.plan.chunk_count(); ++k) {
    const Chunk chunk = checked.plan.chunk(k);
    say("  chunk " + std::to_string(k) + ": [" + std::to_string(chunk.start_sectors) + ", " +
        std::to_string(chunk.end_sectors()) + ") -> [" +
        std::to_string(checked.plan.input.data_offset_sectors + chunk.start_sectors) + ", " +
        std::to_string(checked.plan.input.data_offset_sectors + chunk.end_sectors()) + ")");
  }
  say("dry run: nothing written");
  return result_of(ConvertStatus::kDone, "");
}

}  // namespace

ConvertResult convert_offline(const ConvertOptions& options, const MessageFn& say,
                              const ProgressFn& progress) {
  std::unique_ptr<OfflineChecked> checked;
  PreparedHeader prepared;
  std::unique_ptr<XtsCipher> cipher;
  std::unique_ptr<GuestConfigInput> guest;
  if (const std::string unused = unused_option(options, Mode::kOffline); !unused.empty()) return refused(unused);
  try {
    checked = std::make_unique<OfflineChecked>(check_offline(options, say));
    if (options.dry_run) return dry_run(*checked, say);
    if (options.confirm && !options.confirm(confirm_summary(options, *checked))) {
      return refused("not confirmed");
    }
    prepared = prepare_header(options, checked->header.spec, checked->location.range.size_bytes);
    cipher = std::make_unique<XtsCipher>(prepared.volume_key.bytes(),
                                         checked->header.spec.sector_size_bytes, false);
    if (options.guest_config) {
      guest = std::make_unique<GuestConfigInput>(
          GuestConfigInput{passphrase_c_string(prepared.passphrase), checked->guest});
      prepared.passphrase.wipe();
    }
  } catch (const Error& e) {
    return refused(e);
  }
  if (checked->make_room) {
    try {
      // Write point (not a commit point): pvresize rewrites LVM's metadata
      // at the PV's front; no extent moves and no data sector is touched.
      // A crash here leaves a smaller, intact PV; convert can run again.
      make_room_offline(checked->location.range, *checked->make_room, checked->pv, say);
    } catch (const Error& e) {
      return result_of(ConvertStatus::kFailed,
                       std::string(e.what()) + "; only LVM's metadata may have changed "
                       "(pvresize); no data was moved");
    }
  }
  // From the first write on, SIGINT, SIGTERM and SIGHUP wait (when the
  // caller asked): they are answered between chunks, after a commit.
  const RunStop stop(options.process, progress);
  const std::string uuid = prepared.built.uuid;
  {
    const ByteRange& range = checked->location.range;
    RangeFile device(range, true);
    std::unique_ptr<JournalArea> journal;
    OfflineMoveState state;
    try {
      // stage. The journal area lies past the shifted data, in the tail room
      // that LVM does not use.
      journal = std::make_unique<JournalArea>(range);
      journal->write_header_copy(prepared.header, prepared.built.used_bytes);
      // The header's copy in the journal is the one the front gets: the
      // memory goes now, before the move's buffers are taken.
      JournalRecord record =
          first_record({&checked->plan, &prepared.header, prepared.built.used_bytes,
                        options.key_size_bits, prepared.cipher, uuid, checked->pv.pv_uuid});
      std::vector<std::uint8_t>().swap(prepared.header);
      state = {&device, checked->plan, cipher.get(), journal.get(), record};
      // Commit point: the staged header (the volume key in keyslot 0) and the
      // plan are durable in the journal before any data sector is written. A
      // resume from here starts the move at chunk 0.
      commit_record(*journal, state.record, JournalPhase::kStaged, 0);
      test_point("staged");
    } catch (const Error& e) {
      return refused(std::string(e.what()) + " (while writing the journal into the free room "
                     "after the PV; the PV is unchanged)");
    }
    if (auto ended = move_offline(state, stop, options.device)) return *ended;
  }
  return finish_offline(std::move(checked->image), uuid, say, guest.get());
}

}  // namespace pv2luks
