#include "offline/offline_resume.h"

#include <memory>
#include <optional>

#include "base/error.h"
#include "convert/flow_text.h"
#include "convert/result.h"
#include "convert/stage.h"
#include "crypto/xts.h"
#include "journal/journal_state.h"
#include "convert/run_stop.h"
#include "convert/resume_key.h"
#include "offline/locate_pv.h"
#include "offline/offline_mode.h"
#include "offline/sparse_ranges.h"
#include "offline/userspace_move.h"
#include "system/crypttab.h"
#include "base/sector.h"

namespace pv2luks {

namespace {

// The encryption sector: what choose_header gives every conversion.

struct FoundOffline {
  ImageView image;
  PvLocation location;
  JournalState journal;
};

FoundOffline find_offline_journal(const std::string& image_path, std::uint32_t partition,
                                  ImageUse use) {
  FoundOffline found{open_image(image_path, use), {}, {}};
  const auto journal_or_luks = [](const ByteRange& range) {
    return has_journal(range) || has_luks_magic(range);
  };
  try {
    found.location = locate_pv(found.image, partition, journal_or_luks, "pv2luks journal");
  } catch (const Error& e) {
    Fail(e.reason()) << e.what() << "; nothing to resume";
  }
  const ByteRange& range = found.location.range;
  if (!has_journal(range) && has_luks_magic(range)) {
    Fail(RefuseReason::kWrongDevice) << image_path << ": " << found.location.name
           << " is a LUKS volume with no pv2luks journal: already converted; nothing to resume";
  }
  found.journal = read_journal(range, false, use == ImageUse::convert);
  return found;
}

}  // namespace

ConvertResult finish_offline(ImageView image, const std::string& luks_uuid, const MessageFn& say,
                             const GuestConfigInput* guest) {
  const std::string path = image.image_path();
  const ImageFormat format = image.format();
  try {
    image.close();
  } catch (const Error& e) {
    return result_of(ConvertStatus::kFailed,
                     "the conversion is complete, but closing the image failed: " +
                         std::string(e.what()) + "; check the image with 'pv2luks verify --offline " +
                         path + "'");
  }
  ConvertResult result;
  result.status = ConvertStatus::kDone;
  // Named after the LUKS UUID: the guest's device names (vda, sda) are not
  // known here.
  result.luks_uuid = luks_uuid;
  result.crypttab_line = crypttab_line("luks-" + luks_uuid, luks_uuid);
  if (!guest) {
    result.advice.push_back("inside the guest, add the crypttab line to /etc/crypttab and "
                            "rebuild its initramfs with cryptsetup support before it next boots");
    return result;
  }
  try {
    result.advice = configure_guest(path, format, luks_uuid, *guest, say);
  } catch (const Error& e) {
    result.status = ConvertStatus::kFailed;
    result.message = "the conversion is complete (" + path + " holds the LUKS volume; crypttab "
                     "line: " + result.crypttab_line + "), but the guest configuration failed: " +
                     e.what() + "; the guest will not boot until its /etc/crypttab has the line "
                     "and its initramfs is rebuilt (Debian: 'update-initramfs -u -k all'; with dracut: "
                     "also its /etc/dracut.conf.d snippet, then 'dracut -f --regenerate-all'), e.g. "
                     "in 'guestfish --keys-from-stdin -a " + path + " -i' or a rescue system";
  }
  return result;
}

// The stages in order, as offline_convert's from stage on: check (the
// journal), confirm (the passphrase), prepare, move. Every Error goes to
// failed() (convert/stage.h).
ConvertResult offline_resume(const ResumeOptions& options, const MessageFn& say,
                             const ProgressFn& progress) {
  StageRun run{true, true, options.device};
  std::unique_ptr<FoundOffline> found;
  std::unique_ptr<XtsCipher> cipher;
  std::unique_ptr<GuestConfigInput> guest;
  std::optional<RunStop> stop;
  try {
    run.stage = Stage::kCheck;
    if (options.guest_config) check_guest_config_available();
    std::vector<std::uint8_t> header;
    found = std::make_unique<FoundOffline>(
        find_offline_journal(options.device, options.partition, ImageUse::convert));
    for (const std::string& note : found->image.notes()) say(note);
    say(options.device + ": " + found->location.name + ": " + describe_journal(found->journal));
    header = staged_header(found->journal);
    const JournalRecord& record = found->journal.record;
    if (const std::string problem = xts_support_problem(record.cipher, record.key_size_bits / 8);
        !problem.empty()) {
      Fail() << options.device << ": " << problem;
    }
    run.stage = Stage::kConfirm;
    {  // the passphrase and the volume key live only until the cipher has its copy
      SecureBuffer passphrase;
      const std::optional<SecureBuffer> volume_key =
          resume_volume_key(options, header, say, options.guest_config ? &passphrase : nullptr);
      if (!volume_key) return refused("not confirmed");
      run.stage = Stage::kPrepare;
      if (options.guest_config) {
        guest = std::make_unique<GuestConfigInput>(
            GuestConfigInput{passphrase_c_string(passphrase), std::nullopt});
      }
      cipher = std::make_unique<XtsCipher>(volume_key->bytes(), kSectorBytes, false);
    }
    stop.emplace(options.process, progress);
    run.stage = Stage::kMove;
    RangeFile device(found->location.range, true);
    OfflineMoveState state{.device = &device,
                           .plan = found->journal.plan,
                           .cipher = cipher.get(),
                           .journal = found->journal.area.get(),
                           .record = found->journal.record,
                           .free_sectors = {},
                           .max_rate_bytes = options.max_rate_bytes};
    if (state.record.sparse && state.record.chunks_done < state.plan.chunk_count()) {
      state.free_sectors =
          resumed_free_sectors(device, *cipher, state.plan, state.record.chunks_done);
    }
    if (offline_move_and_finish(state, stop->progress(), [&] { return stop->requested(); }) ==
        MoveOutcome::kStopped) {
      return stopped(run, stop->stopped_by(), state.record.chunks_done, state.plan.chunk_count());
    }
    found->journal.area.reset();
  } catch (const Error& e) {
    return failed(run, e);
  }
  return finish_offline(std::move(found->image), found->journal.record.luks_uuid, say,
                        guest.get());
}

ConvertResult offline_status(const std::string& image, std::uint32_t partition,
                             const MessageFn& say) {
  try {
    const FoundOffline found = find_offline_journal(image, partition, ImageUse::read);
    return journal_status(image + ": " + found.location.name + " is being converted; " +
                              describe_journal(found.journal),
                          found.journal, resume_command(StageRun{true, false, image}), say);
  } catch (const Error& e) {
    return refused(e);
  }
}

}  // namespace pv2luks
