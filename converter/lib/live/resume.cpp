// Resume and status: continuing a conversion from its journal.
//
// Two cases, one path. After a power cut nothing is active: resume creates
// crypt_full and the intermediate device in the state the journal records
// and moves on. After the converter alone died (SIGKILL, a crash) the LVs
// still run on the live intermediate device: resume reloads it in the
// recorded state, which maps every sector where the disk has it, and moves
// on. Either way the chunk in flight is redone from its plaintext source.
#include "base/sector.h"
#include "live/live_mode.h"

#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "base/error.h"
#include "convert/resume_key.h"
#include "convert/flow_text.h"
#include "convert/stage.h"
#include "device/block_device.h"
#include "dm/dm_device.h"
#include "journal/area.h"
#include "journal/journal_state.h"
#include "live/after_move.h"
#include "base/kernel_key.h"
#include "live/mapping_names.h"
#include "base/memory_lock.h"
#include "live/move.h"
#include "convert/result.h"
#include "dm/remap.h"
#include "convert/run_stop.h"
#include "luks/header.h"
#include "luks/token_unlock.h"
#include "lvm/thin_monitor.h"
#include "plan/plan.h"
#include "plan/step_tables.h"
#include "system/crypttab.h"

namespace pv2luks {

namespace {

struct Found {
  BlockDevice device;
  std::shared_ptr<DeviceLock> lock;
  JournalState journal;
  std::string base_name;
  std::string intermediate;
  std::string crypt_full;
};

// Reads and checks the journal, opened for writing when `writable` (resume)
// and read-only otherwise (status). Refusals are Errors; nothing is written.
Found find_journal(const std::string& path, bool writable) {
  Found found;
  // First: a disk image given without --offline is told so, root or not.
  found.device = inspect_block_device(path);
  if (::geteuid() != 0) Fail(RefuseReason::kNoPermission) << "pv2luks must run as root";
  found.lock = std::make_shared<DeviceLock>(found.device);
  found.journal = read_journal(path, found.device.size_bytes / kSectorBytes, 0, true,
                               starts_with_luks_header(path), writable);
  const MappingNames names = mapping_names(std::filesystem::canonical(path).string());
  found.base_name = names.base_name;
  found.intermediate = names.intermediate;
  found.crypt_full = names.crypt_full;
  return found;
}

// The intermediate device's table once `chunks_done` chunks are moved.
DmTable table_at(const Plan& plan, std::uint64_t chunks_done, const PlanDevices& devices) {
  return chunks_done == 0 ? initial_table(plan, devices)
                          : table_after(plan, chunks_done - 1, devices);
}

std::string describe(const Found& found) {
  return describe_journal(found.journal) + "; dm devices " +
         (dm::info(found.intermediate).exists ? "live" : "not active");
}

// dm devices other than the conversion's own that map the PV's device
// directly: LVs activated on the partition itself.
std::vector<std::string> direct_holders(const Found& found) {
  std::vector<std::string> others;
  for (const std::string& holder : dm::holders_of(found.device.dev)) {
    if (holder != found.crypt_full && holder != found.intermediate) others.push_back(holder);
  }
  return others;
}

// crypt_full and the intermediate device in the journal's state, created or
// (when they are live) reloaded. Writes nothing to the disk.
// A converter killed between a dm suspend and its resume leaves that device
// suspended, and I/O to it waits. Resuming it swaps in any table it loaded.
void unsuspend(const std::string& name, const MessageFn& say) {
  const dm::DeviceInfo info = dm::info(name);
  if (!info.exists || !info.suspended) return;
  dm::resume(name);
  say("resumed /dev/mapper/" + name + ", left suspended by a killed run");
}

PlanDevices set_up(const Found& found, const CryptSpec& crypt, const std::string& intermediate_uuid,
                   const MessageFn& say) {
  for (const std::string& holder : dm::holders_of(found.device.dev)) unsuspend(holder, say);
  const bool live = dm::info(found.intermediate).exists;
  if (live) {
    for (const std::string& holder : dm::holders_of(dm::device_number(found.intermediate))) {
      unsuspend(holder, say);
    }
  }
  const std::vector<std::string> others = direct_holders(found);
  if (!live && !others.empty() && found.journal.record.chunks_done > 0) {
    // Part of the PV is ciphertext: an LV mapped on the partition reads
    // garbage there and its writes would be lost. Nothing is remapped blindly.
    Fail() << "LVs are active on " << found.device.path << " itself (" << others.front()
           << (others.size() > 1 ? ", ..." : "") << "), which is half converted: deactivate "
           << "them (vgchange -an) without writing to them, then resume; to use them first, "
           << "see 'pv2luks resume --activate-only'";
  }
  PlanDevices devices{dev_text(found.device.dev), "", crypt};
  const DmTable full = crypt_full_table(found.journal.plan, devices);
  const dm::DeviceInfo full_info = dm::info(found.crypt_full);
  if (!full_info.exists) {
    dm::create(found.crypt_full, crypt_full_uuid(found.crypt_full), to_kernel(full).targets(),
               dm::Udev::kHidden);
  } else if (!full_info.live_table || full_info.suspended) {
    load_and_swap(found.crypt_full, full, dm::Udev::kHidden);  // killed while it was being created
  }
  devices.crypt_full = dev_text(dm::device_number(found.crypt_full));
  const DmTable table = table_at(found.journal.plan, found.journal.record.chunks_done, devices);
  if (live) {
    // The converter died with the LVs on it: swap in the recorded state.
    load_and_swap(found.intermediate, table, dm::Udev::kNoScan);
    say("found /dev/mapper/" + found.intermediate + " live; reloaded in the journal's state");
  } else {
    dm::create(found.intermediate, intermediate_uuid, to_kernel(table).targets(),
               dm::Udev::kNoScan);
    say("created /dev/mapper/" + found.intermediate + " in the journal's state");
  }
  // LVs still on the partition: a run killed while it remapped them, or
  // before (nothing has moved yet). The intermediate device maps every sector
  // where the disk has it, so they move onto it.
  if (!others.empty()) {
    remap_holders(others, found.device.dev, dm::device_number(found.intermediate));
    say("remapped " + std::to_string(others.size()) + " LV(s) still on the partition");
  }
  return devices;
}

}  // namespace

// The stages in order, as live_convert's from stage on: check (the journal),
// confirm (the passphrase), prepare, insert (set up again), move. Every Error
// goes to failed() (convert/stage.h).
ConvertResult live_resume(const ResumeOptions& options, const MessageFn& say,
                          const ProgressFn& progress) {
  StageRun run{false, true, options.device};
  Found found;
  std::vector<std::uint8_t> header;
  std::unique_ptr<KernelKey> key;
  CryptSpec crypt;
  // From set up on SIGINT, SIGTERM and SIGHUP wait (when the caller asked) and
  // so does the progress callback's kStop: they are answered between
  // chunks, after a commit, never in the middle of setting up. (Before, they
  // end the process at once, which is safe: nothing was written.)
  std::optional<RunStop> stop;
  bool has_token = false;  // a systemd-tpm2 token: the crypttab line says tpm2-device=auto
  try {
    run.stage = Stage::kCheck;
    found = find_journal(options.device, true);
    say(options.device + ": " + describe(found));
    // A move with a pool dmeventd may extend is refused, as in convert;
    // mapping only (--activate-only) moves nothing.
    if (!options.activate_only) {
      if (const auto pools = read_monitored_thin_pools_of_pv(found.journal.record.pv_uuid);
          !pools.empty()) {
        Fail() << options.device << ": " << monitored_pool_refusal(pools.front());
      }
    }
    header = staged_header(found.journal);
    has_token = header_has_token(header, kTpm2TokenType);
    run.stage = Stage::kConfirm;
    const std::optional<SecureBuffer> volume_key = resume_volume_key(options, header, say);
    if (!volume_key) return refused("not confirmed");
    run.stage = Stage::kPrepare;
    key = std::make_unique<KernelKey>("pv2luks:" + found.base_name, *volume_key);
    lock_all_memory();  // before any suspend: the root LV may be one of them
    crypt.cipher = found.journal.record.cipher;
    crypt.key = KeyRef::keyring(volume_key->size_bytes(), key->description());
    stop.emplace(options.process, progress);
    run.stage = Stage::kInsert;
    MoveState state{.device = options.device,
                    .intermediate = found.intermediate,
                    .crypt_full = found.crypt_full,
                    .plan = found.journal.plan,
                    .devices = {},
                    .journal = found.journal.area.get(),
                    .record = found.journal.record,
                    .max_rate_bytes = options.max_rate_bytes};
    const std::string& luks_uuid = found.journal.record.luks_uuid;
    state.devices = set_up(
        found, crypt, cryptsetup_dm_uuid(luks_type_of(header), luks_uuid, found.intermediate), say);
    if (options.activate_only) {
      // The partition still starts with the PV's label until the last chunk
      // moves, so LVM sees the PV twice; --devices picks the mapped one.
      return result_of(ConvertStatus::kStopped,
                       "/dev/mapper/" + found.intermediate +
                           " maps the PV as the journal records it; activate the VG on it with "
                           "'vgchange -ay --devices /dev/mapper/" + found.intermediate +
                           "', then run '" + resume_command(run) + "' to finish");
    }
    run.stage = Stage::kMove;
    const MoveOutcome outcome =
        move_and_finish(state, stop->progress(), [&] { return stop->requested(); });
    if (outcome == MoveOutcome::kStopped) {
      return stopped(run, stop->stopped_by(), state.record.chunks_done, state.plan.chunk_count());
    }
  } catch (const Error& e) {
    return failed(run, e);
  }
  ConvertResult result;
  result.status = ConvertStatus::kDone;
  result.luks_uuid = found.journal.record.luks_uuid;
  result.crypttab_line =
      crypttab_line(found.intermediate, found.journal.record.luks_uuid, has_token);
  ConvertOptions after;
  after.device = options.device;
  after.update_crypttab = options.update_crypttab;
  after.crypttab_path = options.crypttab_path;
  result.advice =
      after_move(after, found.intermediate, found.journal.record.luks_uuid, result.crypttab_line);
  return result;
}

ConvertResult live_status(const std::string& device, const MessageFn& say) {
  try {
    const Found found = find_journal(device, false);
    return journal_status(device + ": being converted; " + describe(found), found.journal,
                          resume_command(StageRun{false, false, device}), say);
  } catch (const Error& e) {
    return refused(e);
  }
}

}  // namespace pv2luks
