// The one mapping from the stage that failed to the result
// (converter/lib/convert/stage.h): refused while nothing is written, failed
// after, each message as the live and offline runs have always said it.
#include <gtest/gtest.h>

#include "base/error.h"
#include "convert/stage.h"

namespace pv2luks {
namespace {

StageRun live_convert_run(Stage stage) {
  StageRun run{false, false, "/dev/vdb"};
  run.stage = stage;
  return run;
}

TEST(Stage, ReadOnlyStagesRefuseWithTheErrorsReason) {
  for (Stage stage : {Stage::kCheck, Stage::kConfirm, Stage::kPrepare}) {
    const ConvertResult result =
        failed(live_convert_run(stage), Error("no PV", RefuseReason::kWrongDevice));
    EXPECT_EQ(result.status, ConvertStatus::kRefused);
    EXPECT_EQ(result.reason, RefuseReason::kWrongDevice);
    EXPECT_EQ(result.message, "no PV");
  }
}

TEST(Stage, MakeRoomFailsWithLvmMetadataOnly) {
  EXPECT_EQ(failed(live_convert_run(Stage::kMakeRoom), Error("pvresize died")).message,
            "pvresize died; only LVM's metadata may have changed (pvresize): check with "
            "'pvs /dev/vdb'; no data was moved");
  StageRun offline{true, false, "disk.img"};
  offline.stage = Stage::kMakeRoom;
  const ConvertResult result = failed(offline, Error("pvresize died"));
  EXPECT_EQ(result.status, ConvertStatus::kFailed);
  EXPECT_EQ(result.message,
            "pvresize died; only LVM's metadata may have changed (pvresize); no data was moved");
}

TEST(Stage, GuardRefusesUnlessTheRoomWasMade) {
  StageRun run = live_convert_run(Stage::kGuard);
  EXPECT_EQ(failed(run, Error("vgchange died")).status, ConvertStatus::kRefused);
  run.room_made = true;
  const ConvertResult result = failed(run, Error("vgchange died"));
  EXPECT_EQ(result.status, ConvertStatus::kFailed);
  EXPECT_EQ(result.message, "vgchange died; the PV was shrunk (pvresize), no data was moved");
}

TEST(Stage, StageRefusesSayingThePvIsUnchanged) {
  StageRun run = live_convert_run(Stage::kStage);
  run.guard_note = "; the VG's autoactivation is back on";
  const ConvertResult result = failed(run, Error("short write"));
  EXPECT_EQ(result.status, ConvertStatus::kRefused);
  EXPECT_EQ(result.reason, RefuseReason::kOther);
  EXPECT_EQ(result.message, "short write (while writing the journal into the free room after the "
                            "PV; the PV is unchanged; the VG's autoactivation is back on)");
}

TEST(Stage, AfterTheStageFailuresSayHowToResume) {
  const std::string hint = "the journal at the end of /dev/vdb records the progress; run "
                           "'pv2luks resume /dev/vdb' to finish";
  EXPECT_EQ(failed(live_convert_run(Stage::kInsert), Error("x")).message,
            "x (while setting up the dm devices; no data moved); " + hint);
  EXPECT_EQ(failed(live_convert_run(Stage::kMove), Error("x")).message,
            "x; the LVs keep running on the live dm tables; " + hint);
  StageRun resume{false, true, "/dev/vdb"};
  resume.stage = Stage::kInsert;
  EXPECT_EQ(failed(resume, Error("x")).message, "x; " + hint);
  StageRun offline{true, true, "disk.img"};
  offline.stage = Stage::kMove;
  const ConvertResult result = failed(offline, Error("x"));
  EXPECT_EQ(result.status, ConvertStatus::kFailed);
  EXPECT_EQ(result.message, "x; the journal at the end of the PV's partition records the "
                            "progress; run 'pv2luks resume --offline disk.img' to finish");
}

TEST(Stage, StoppedSaysWhereTheMoveStands) {
  EXPECT_EQ(stopped(live_convert_run(Stage::kMove), "stopped by a signal", 3, 8).message,
            "stopped by a signal after 3 of 8 chunks; the LVs keep running; the journal at the "
            "end of /dev/vdb records the progress; run 'pv2luks resume /dev/vdb' to finish");
  const StageRun resume{false, true, "/dev/vdb"};
  EXPECT_EQ(stopped(resume, "stopped by a signal", 3, 8).message,
            "stopped by a signal after 3 chunks; the journal at the end of /dev/vdb records the "
            "progress; run 'pv2luks resume /dev/vdb' to finish");
  const ConvertResult offline =
      stopped(StageRun{true, false, "d.img"}, "stopped at the progress callback's request", 3, 8);
  EXPECT_EQ(offline.status, ConvertStatus::kStopped);
  EXPECT_EQ(offline.message,
            "stopped at the progress callback's request after 3 of 8 chunks; the journal at the end of "
                             "the PV's partition records the progress; run 'pv2luks resume "
                             "--offline d.img' to finish");
}

TEST(Stage, EveryRowNamesItsStage) {
  EXPECT_STREQ(stage_row(Stage::kCheck).name, "check");
  EXPECT_STREQ(stage_row(Stage::kMakeRoom).name, "make room");
  EXPECT_EQ(stage_row(Stage::kMove).written, Written::kConversion);
}

}  // namespace
}  // namespace pv2luks
