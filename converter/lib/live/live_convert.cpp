// convert_live: the live conversion, top-down. Each phase is one function.
//
//   check      what the disk and LVM say; refuse before anything is written
//              (live/checks.h); --dry-run stops here and prints the tables
//   confirm    the caller's question, unless --yes
//   prepare    passphrase, volume key, header (in memory), key in the keyring
//   make room  --make-room only: pvresize shrinks the PV (LVM metadata)
//   guard      the VG's autoactivation off until the header is written
//              (lvm/autoactivation.h)
//   stage      the header copy and the first record into the journal
//   insert     crypt_full and the intermediate device; LVs remapped onto it
//   move       chunk by chunk from the end, each committed to the journal
//   finish     one crypt table; the LUKS header written at the front;
//              the VG's autoactivation back on
//   after      crypttab, LVM devices file and pvscan, initramfs advice
//
// Failures before `stage` are refusals: nothing was written. From `stage` on,
// the journal at the device's end says where the move stands, and `pv2luks
// resume` continues from it (live/resume.cpp); see docs/journal.md.
#include <sys/sysmacros.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <tuple>

#include "base/error.h"
#include "base/process.h"
#include "base/test_point.h"
#include "convert/prepared_header.h"
#include "dm/dm_device.h"
#include "dm/dm_table.h"
#include "journal/area.h"
#include "journal/commit.h"
#include "live/after_move.h"
#include "live/checks.h"
#include "base/kernel_key.h"
#include "base/memory_lock.h"
#include "live/move.h"
#include "convert/result.h"
#include "convert/flow_text.h"
#include "convert/stage.h"
#include "live/live_mode.h"
#include "dm/remap.h"
#include "convert/run_stop.h"
#include "luks/header.h"
#include "lvm/autoactivation.h"
#include "lvm/room.h"
#include "plan/plan_text.h"
#include "plan/step_tables.h"
#include "pv2luks/pv2luks.h"
#include "system/crypttab.h"
#include "luks/recovery_key.h"

namespace pv2luks {

namespace {

struct Prepared {
  PreparedHeader header;
  std::unique_ptr<KernelKey> key;
  CryptSpec crypt;
};

Prepared prepare(const ConvertOptions& options, const Checked& checked) {
  Prepared prepared;
  prepared.header = prepare_header(options, checked.header.spec, checked.device.size_bytes);
  prepared.key = std::make_unique<KernelKey>("pv2luks:" + checked.base_name,
                                             prepared.header.volume_key);
  prepared.crypt.cipher = prepared.header.cipher;
  prepared.crypt.key =
      KeyRef::keyring(prepared.header.volume_key.size_bytes(), prepared.key->description());
  return prepared;
}

// Shrinks the PV for --make-room. LVM rewrites its metadata; no extent moves.
// The result is checked against the plan: the conversion goes on only when
// LVM now reports exactly the PV the plan was made for.
void make_room(const ConvertOptions& options, const Checked& checked, const MessageFn& say) {
  const std::vector<std::string> command = make_room_command(*checked.make_room, options.device);
  run_checked(command);
  say("ran: " + command_line(command));
  const PvReport now = read_pv_report(options.device);
  if (now.used_sectors() != checked.pv.used_sectors()) {
    Fail() << "after " << command_line(command) << " the PV spans " << now.used_sectors()
           << " sectors, not the planned " << checked.pv.used_sectors();
  }
}

// The first record: the plan's input and the staged header's identity.
JournalRecord staged_record(const Checked& checked, const Prepared& prepared,
                           const ConvertOptions& options) {
  return first_record({&checked.plan, &prepared.header.header, prepared.header.built.used_bytes,
                       options.key_size_bits, prepared.header.cipher,
                       prepared.header.built.uuid, checked.pv.pv_uuid});
}

// insert. Nothing on the disk changes here: the new devices only map it.
PlanDevices insert(const Checked& checked, const Prepared& prepared, const MessageFn& say) {
  PlanDevices devices{dev_text(checked.device.dev), "", prepared.crypt};
  const std::vector<std::string> holders = dm::holders_of(checked.device.dev);
  dm::create(checked.crypt_full, crypt_full_uuid(checked.crypt_full),
             to_kernel(crypt_full_table(checked.plan, devices)).targets(), dm::Udev::kHidden);
  try {
    devices.crypt_full = dev_text(dm::device_number(checked.crypt_full));
    // It maps the plaintext PV, label included, until the move is done: no
    // udev rule may scan it (LVM would see the PV twice).
    dm::create(checked.intermediate,
               cryptsetup_dm_uuid(luks_type_of(prepared.header.header), prepared.header.built.uuid,
                                  checked.intermediate),
               to_kernel(initial_table(checked.plan, devices)).targets(), dm::Udev::kNoScan);
  } catch (const Error&) {
    dm::remove(checked.crypt_full);
    throw;
  }
  remap_holders(holders, checked.device.dev, dm::device_number(checked.intermediate));
  say("LVs now run on /dev/mapper/" + checked.intermediate + " (" +
      std::to_string(holders.size()) + " remapped)");
  return devices;
}

std::string confirm_summary(const ConvertOptions& options, const Checked& checked,
                            const StageRun& run) {
  return pv2luks::confirm_summary(
      options.device + " (PV of VG " + checked.pv.vg_name + ")", options.type,
      " while its LVs stay in use", checked.make_room ? checked.make_room->extents_to_free : 0,
      resume_command(run));
}

ConvertResult dry_run(const ConvertOptions& options, const Checked& checked, const MessageFn& say) {
  CryptSpec crypt;
  crypt.cipher = options.cipher;
  crypt.key = KeyRef::keyring(options.key_size_bits / 8, "pv2luks:" + checked.base_name);
  const PlanDevices shown{options.device, "/dev/mapper/" + checked.crypt_full, crypt};
  if (checked.make_room) {
    say("would run: " + command_line(make_room_command(*checked.make_room, options.device)));
  }
  const std::vector<std::string> off =
      autoactivation_off_command(read_vg_activation(options.device));
  if (!off.empty()) say("would run: " + command_line(off));
  say_journal_place("the device", checked.plan.input.device_sectors, say);
  say("the tables, in the order they are loaded:\n" +
      describe_plan(checked.plan, shown, {checked.crypt_full, checked.intermediate}));
  if (!dm::available()) say("note: device-mapper is not available here; a real run would refuse");
  return dry_run_done(say);
}

void require_device_mapper() {
  if (!dm::available()) {
    Fail() << "device-mapper is not available in this kernel (no device-mapper in /proc/misc); "
              "a live conversion needs it: load the dm-mod module";
  }
}

// guard. Write point (not a commit point): vgchange rewrites LVM's metadata
// (autoactivation off, the VG tagged); no data sector is touched. A crash
// here leaves an intact PV whose VG is not autoactivated; the finish of this
// or a later conversion turns it back on.
void guard(const ConvertOptions& options, const MessageFn& say) {
  const std::vector<std::string> off =
      autoactivation_off_command(read_vg_activation(options.device));
  if (!off.empty() && !test_hook(TestHook::NoAutoactivationGuard)) {  // negative control
    run_checked(off);
    say("ran: " + command_line(off) + " (until the header is written, no boot may " +
        "activate the VG from the half-converted partition)");
  }
}

// The guard undone after the stage failed: what the refusal adds.
std::string unguard(const std::string& device) {
  try {
    if (!restore_autoactivation(device).empty()) return "; the VG's autoactivation is back on";
  } catch (const Error& again) {
    return std::string("; could not turn the VG's autoactivation back on (") + again.what() +
           "): run vgchange --setautoactivation y --deltag " + kConvertingTag + " VG";
  }
  return "";
}

// stage. The journal area lies past the shifted data, in the old tail room
// that LVM does not use.
std::unique_ptr<JournalArea> stage(MoveState& state, const ConvertOptions& options,
                                   const Checked& checked, const Prepared& prepared) {
  auto journal = std::make_unique<JournalArea>(options.device, checked.plan.input.device_sectors);
  journal->write_header_copy(prepared.header.header, prepared.header.built.used_bytes);
  state = MoveState{.device = options.device,
                    .intermediate = checked.intermediate,
                    .crypt_full = checked.crypt_full,
                    .plan = checked.plan,
                    .devices = {},
                    .journal = journal.get(),
                    .record = staged_record(checked, prepared, options),
                    .max_rate_bytes = options.max_rate_bytes};
  // Commit point: the staged header (the volume key in keyslot 0) and the
  // plan are durable in the journal before any data sector is written. A
  // resume from here starts the move at chunk 0.
  commit(state, JournalPhase::kStaged, 0);
  test_point("staged");
  return journal;
}

}  // namespace

// The stages in order; every Error goes to failed(), which maps the stage it
// was thrown in to the result (convert/stage.h).
ConvertResult live_convert(const ConvertOptions& options, const MessageFn& say,
                           const ProgressFn& progress) {
  StageRun run{false, false, options.device};
  Checked checked;
  Prepared prepared;
  // From the first write on, SIGINT, SIGTERM and SIGHUP wait (when the caller
  // asked, ProcessPolicy::defer_signals), and so does the progress callback's kStop: they are
  // answered between chunks, after a commit.
  std::optional<RunStop> stop;
  std::unique_ptr<JournalArea> journal;
  MoveState state;
  bool key_written = false;  // --recovery-key-file made by this run
  try {
    run.stage = Stage::kCheck;
    checked = check(options, say);
    if (options.dry_run) return dry_run(options, checked, say);
    run.stage = Stage::kConfirm;
    if (options.confirm && !options.confirm(confirm_summary(options, checked, run))) {
      return refused("not confirmed");
    }
    run.stage = Stage::kPrepare;
    prepared = prepare(options, checked);
    // Not a disk write: the recovery key reaches stable storage before the
    // first one, so whatever happens next, an admin can get in.
    if (!options.tpm2_device.empty()) {
      write_recovery_key_file(options.recovery_key_file, prepared.header.recovery_key);
      key_written = true;
      say("recovery key written to " + options.recovery_key_file + " (mode 0600): keep it apart "
          "from this machine; it opens the volume when the TPM will not");
    }
    require_device_mapper();
    lock_all_memory();  // before any suspend: the root LV may be one of them
    if (checked.make_room) {
      run.stage = Stage::kMakeRoom;
      // Write point (not a commit point): pvresize rewrites LVM's metadata
      // at the PV's front; no extent moves and no data sector is touched.
      // A crash here leaves a smaller, intact PV; convert can run again.
      make_room(options, checked, say);
      run.room_made = true;
    }
    run.stage = Stage::kGuard;
    guard(options, say);
    stop.emplace(options.process, progress);
    run.stage = Stage::kStage;
    journal = stage(state, options, checked, prepared);
    run.stage = Stage::kInsert;
    state.devices = insert(checked, prepared, say);
    run.stage = Stage::kMove;
    const MoveOutcome outcome =
        move_and_finish(state, stop->progress(), [&] { return stop->requested(); });
    if (outcome == MoveOutcome::kStopped) {
      return stopped(run, stop->stopped_by(), state.record.chunks_done, checked.plan.chunk_count());
    }
  } catch (const Error& e) {
    if (run.stage == Stage::kStage) run.guard_note = unguard(options.device);
    // Before the stage nothing on the disk names this header, so its
    // recovery key opens nothing: removed, and a new convert may use the path.
    if (run.stage < Stage::kStage && key_written) {
      ::unlink(options.recovery_key_file.c_str());
    }
    return failed(run, e);
  }
  ConvertResult result;
  result.status = ConvertStatus::kDone;
  result.luks_uuid = prepared.header.built.uuid;
  result.crypttab_line = crypttab_line(checked.intermediate, prepared.header.built.uuid,
                                       !options.tpm2_device.empty());
  result.advice = after_move(options, checked.intermediate, prepared.header.built.uuid, result.crypttab_line);
  return result;
}

}  // namespace pv2luks
