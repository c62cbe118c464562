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
#include <optional>

#include "base/error.h"
#include "base/test_point.h"
#include "convert/prepared_header.h"
#include "convert/result.h"
#include "convert/flow_text.h"
#include "convert/stage.h"
#include "crypto/xts.h"
#include "journal/area.h"
#include "journal/commit.h"
#include "convert/run_stop.h"
#include "offline/guest_config.h"
#include "offline/offline_checks.h"
#include "offline/offline_room.h"
#include "offline/offline_mode.h"
#include "offline/offline_resume.h"
#include "offline/userspace_move.h"
#include "plan/plan_text.h"

namespace pv2luks {

namespace {

std::string confirm_summary(const ConvertOptions& options, const OfflineChecked& checked,
                            const StageRun& run) {
  return pv2luks::confirm_summary(
      "the PV on " + checked.location.name + " of " + options.device + " (VG " +
          checked.pv.vg_name + ")",
      options.type, "", checked.make_room ? checked.make_room->extents_to_free : 0,
      resume_command(run));
}

ConvertResult dry_run(const OfflineChecked& checked, const MessageFn& say) {
  say_journal_place("the PV's partition", checked.plan.input.device_sectors, say);
  say("chunks, in the order they move (sectors of the partition):");
  for (std::uint64_t k = 0; k < checked.plan.chunk_count(); ++k) {
    const Chunk chunk = checked.plan.chunk(k);
    say("  chunk " + std::to_string(k) + ": [" + std::to_string(chunk.start_sectors) + ", " +
        std::to_string(chunk.end_sectors()) + ") -> [" +
        std::to_string(checked.plan.input.data_offset_sectors + chunk.start_sectors) + ", " +
        std::to_string(checked.plan.input.data_offset_sectors + chunk.end_sectors()) + ")");
  }
  return dry_run_done(say);
}

// stage. The journal area lies past the shifted data, in the tail room that
// LVM does not use.
std::unique_ptr<JournalArea> stage(OfflineMoveState& state, RangeFile& device,
                                   const ConvertOptions& options, const OfflineChecked& checked,
                                   PreparedHeader& prepared, XtsCipher& cipher) {
  auto journal = std::make_unique<JournalArea>(checked.location.range);
  journal->write_header_copy(prepared.header, prepared.built.used_bytes);
  // The header's copy in the journal is the one the front gets: the
  // memory goes now, before the move's buffers are taken.
  JournalRecord record =
      first_record({&checked.plan, &prepared.header, prepared.built.used_bytes,
                    options.key_size_bits, prepared.cipher, prepared.built.uuid,
                    checked.pv.pv_uuid, options.sparse});
  std::vector<std::uint8_t>().swap(prepared.header);
  state = OfflineMoveState{.device = &device,
                           .plan = checked.plan,
                           .cipher = &cipher,
                           .journal = journal.get(),
                           .record = record,
                           .free_sectors = checked.free_sectors,
                           .max_rate_bytes = options.max_rate_bytes};
  // Commit point: the staged header (the volume key in keyslot 0) and the
  // plan are durable in the journal before any data sector is written. A
  // resume from here starts the move at chunk 0.
  commit_record(*journal, state.record, JournalPhase::kStaged, 0);
  test_point("staged");
  return journal;
}

}  // namespace

// The stages in order; every Error goes to failed(), which maps the stage it
// was thrown in to the result (convert/stage.h).
ConvertResult offline_convert(const ConvertOptions& options, const MessageFn& say,
                              const ProgressFn& progress) {
  StageRun run{true, false, options.device};
  std::unique_ptr<OfflineChecked> checked;
  PreparedHeader prepared;
  std::unique_ptr<XtsCipher> cipher;
  std::unique_ptr<GuestConfigInput> guest;
  // From the first write on, SIGINT, SIGTERM and SIGHUP wait (when the caller
  // asked, ProcessPolicy::defer_signals), and so does the progress callback's kStop: they are
  // answered between chunks, after a commit.
  std::optional<RunStop> stop;
  try {
    run.stage = Stage::kCheck;
    checked = std::make_unique<OfflineChecked>(check_offline(options, say));
    if (options.dry_run) return dry_run(*checked, say);
    run.stage = Stage::kConfirm;
    if (options.confirm && !options.confirm(confirm_summary(options, *checked, run))) {
      return refused("not confirmed");
    }
    run.stage = Stage::kPrepare;
    prepared = prepare_header(options, checked->header.spec, checked->location.range.size_bytes);
    cipher = std::make_unique<XtsCipher>(prepared.volume_key.bytes(),
                                         checked->header.spec.sector_size_bytes, false);
    if (options.guest_config) {
      guest = std::make_unique<GuestConfigInput>(
          GuestConfigInput{passphrase_c_string(prepared.passphrase), checked->guest});
      prepared.passphrase.wipe();
    }
    if (checked->make_room) {
      run.stage = Stage::kMakeRoom;
      // Write point (not a commit point): pvresize rewrites LVM's metadata
      // at the PV's front; no extent moves and no data sector is touched.
      // A crash here leaves a smaller, intact PV; convert can run again.
      make_room_offline(checked->location.range, *checked->make_room, checked->pv, say);
      run.room_made = true;
    }
    stop.emplace(options.process, progress);
    run.stage = Stage::kStage;
    RangeFile device(checked->location.range, true);
    OfflineMoveState state;
    const std::unique_ptr<JournalArea> journal =
        stage(state, device, options, *checked, prepared, *cipher);
    run.stage = Stage::kMove;
    if (offline_move_and_finish(state, stop->progress(), [&] { return stop->requested(); }) ==
        MoveOutcome::kStopped) {
      return stopped(run, stop->stopped_by(), state.record.chunks_done, state.plan.chunk_count());
    }
  } catch (const Error& e) {
    return failed(run, e);
  }
  return finish_offline(std::move(checked->image), prepared.built.uuid, say, guest.get());
}

}  // namespace pv2luks
