#include "convert/stage.h"

#include <array>

#include "convert/result.h"

namespace pv2luks {

namespace {

constexpr std::array<StageRow, 8> kStages{{
    {Stage::kCheck, "check", Written::kNothing},
    {Stage::kConfirm, "confirm", Written::kNothing},
    {Stage::kPrepare, "prepare", Written::kNothing},
    {Stage::kMakeRoom, "make room", Written::kLvmMetadata},
    // Written only when make room ran before it (StageRun::room_made).
    {Stage::kGuard, "guard", Written::kNothing},
    {Stage::kStage, "stage", Written::kJournal},
    {Stage::kInsert, "insert", Written::kConversion},
    {Stage::kMove, "move", Written::kConversion},
}};

constexpr bool rows_in_stage_order() {
  for (std::size_t i = 0; i < kStages.size(); ++i) {
    if (kStages[i].stage != static_cast<Stage>(i)) return false;
  }
  return true;
}
static_assert(rows_in_stage_order(), "kStages lists the stages in their enum order");

std::string lvm_metadata_note(const StageRun& run) {
  if (run.stage == Stage::kGuard) return "; the PV was shrunk (pvresize), no data was moved";
  if (run.offline) return "; only LVM's metadata may have changed (pvresize); no data was moved";
  return "; only LVM's metadata may have changed (pvresize): check with 'pvs " + run.device +
         "'; no data was moved";
}

std::string conversion_note(const StageRun& run) {
  if (run.resuming || run.offline) return "; " + resume_hint(run);
  if (run.stage == Stage::kInsert) {
    // No data moved. The intermediate device, if it is under some LVs, maps
    // the PV unchanged; the journal says "staged", so resume can retry.
    return " (while setting up the dm devices; no data moved); " + resume_hint(run);
  }
  return "; the LVs keep running on the live dm tables; " + resume_hint(run);
}

}  // namespace

const StageRow& stage_row(Stage stage) { return kStages[static_cast<std::size_t>(stage)]; }

ConvertResult failed(const StageRun& run, const Error& e) {
  Written written = stage_row(run.stage).written;
  if (run.stage == Stage::kGuard && run.room_made) written = Written::kLvmMetadata;
  switch (written) {
    case Written::kNothing:
      return refused(e);
    case Written::kLvmMetadata:
      return result_of(ConvertStatus::kFailed, e.what() + lvm_metadata_note(run));
    case Written::kJournal:
      return refused(std::string(e.what()) + " (while writing the journal into the free room "
                     "after the PV; the PV is unchanged" + run.guard_note + ")");
    case Written::kConversion:
      break;
  }
  return result_of(ConvertStatus::kFailed, e.what() + conversion_note(run));
}

ConvertResult stopped(const StageRun& run, const std::string& stopped_by, std::uint64_t chunks_done,
                      std::uint64_t chunk_count) {
  std::string message = stopped_by + " after " + std::to_string(chunks_done);
  if (run.offline || !run.resuming) message += " of " + std::to_string(chunk_count);
  message += " chunks; ";
  if (!run.offline && !run.resuming) message += "the LVs keep running; ";
  return result_of(ConvertStatus::kStopped, message + resume_hint(run));
}

std::string resume_command(const StageRun& run) {
  return std::string("pv2luks resume ") + (run.offline ? "--offline " : "") + run.device;
}

std::string resume_hint(const StageRun& run) {
  return std::string("the journal at the end of ") +
         (run.offline ? "the PV's partition" : run.device) + " records the progress; run '" +
         resume_command(run) + "' to finish";
}

}  // namespace pv2luks
