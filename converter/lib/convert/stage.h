// The stages of a conversion and of its resume, in the order they run
// (docs/design.md), and the one mapping from the stage that failed to the
// result: refused while nothing is written, failed after, with what the disk
// holds and how to resume. The orchestrations (live/live_convert.cpp,
// live/resume.cpp, offline/offline_convert.cpp, offline/offline_resume.cpp)
// name the stage they enter and hand every Error to failed().
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "base/error.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

enum class Stage {
  kCheck,     // what the disk and LVM say; a resume: find and read the journal
  kConfirm,   // the caller's question (a resume: the passphrase)
  kPrepare,   // passphrase, volume key, header, all in memory
  kMakeRoom,  // --make-room: pvresize rewrites LVM's metadata
  kGuard,     // live: vgchange rewrites LVM's metadata (autoactivation off)
  kStage,     // the header copy and the first record into the journal
  kInsert,    // live: the dm devices over the PV (a resume: set up again)
  kMove,      // data sectors, chunk by chunk, then the header at the front
};

// What a stage's failure leaves on the disk, as its table row says.
enum class Written {
  kNothing,      // refused: nothing written
  kLvmMetadata,  // LVM's metadata only (pvresize, vgchange); no data moved
  kJournal,      // the journal, in the free room after the PV; the PV unchanged
  kConversion,   // the journal records a conversion; resume finishes it
};

struct StageRow {
  Stage stage;
  const char* name;  // as docs/design.md names it
  Written written;   // what a failure in it leaves written
};

// The row of `stage`.
const StageRow& stage_row(Stage stage);

// One run of convert or resume: where it is, and what its messages need.
struct StageRun {
  StageRun(bool offline_run, bool resuming_run, std::string device_name)
      : offline(offline_run), resuming(resuming_run), device(std::move(device_name)) {}

  bool offline = false;
  bool resuming = false;
  std::string device;  // as the user named it (the image, offline)
  Stage stage = Stage::kCheck;
  bool room_made = false;   // make room ran: the PV is smaller
  std::string guard_note;   // kStage: what became of the autoactivation guard
};

// The result of `e` thrown in run.stage.
ConvertResult failed(const StageRun& run, const Error& e);

// The result of a move stopped after `chunks_done` of `chunk_count` chunks;
// `stopped_by` is RunStop::stopped_by() ("stopped by a signal", ...).
ConvertResult stopped(const StageRun& run, const std::string& stopped_by, std::uint64_t chunks_done,
                      std::uint64_t chunk_count);

// "pv2luks resume DEVICE", "pv2luks resume --offline IMAGE"
std::string resume_command(const StageRun& run);

// "the journal at the end of DEVICE records the progress; run 'pv2luks
// resume DEVICE' to finish" (offline: "... of the PV's partition ...")
std::string resume_hint(const StageRun& run);

}  // namespace pv2luks
