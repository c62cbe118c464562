// `lab run`'s outcome: the script's exit code never passes through, and the
// --result JSON carries both it and the lab's status.
#include <gtest/gtest.h>

#include "lab/lab_result.h"

namespace harness {
namespace {

TEST(LabResult, ScriptCodesNeverLookLikeTheLabsOwn) {
  EXPECT_EQ(exit_code_of_script(0), 0);
  for (const int code : {1, 2, 3, 77, 124, 125, 255}) {
    EXPECT_EQ(exit_code_of_script(code), kExitScriptFailed) << code;
  }
}

TEST(LabResult, JsonHasBothTheStatusAndTheScriptsCode) {
  LabResult result;
  result.status = "script-exited";
  result.script_exit = 3;
  result.exit_code = kExitScriptFailed;
  result.duration_s = 12.5;
  result.kernel = "/boot/vmlinuz-6.1.0-57-amd64";
  result.message = "say \"hi\"\n";
  const std::string json = lab_result_json(result);
  EXPECT_NE(json.find("\"status\": \"script-exited\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"lab_ok\": true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"script_exit\": 3"), std::string::npos) << json;
  EXPECT_NE(json.find("\"exit_code\": 1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"duration_s\": 12.500"), std::string::npos) << json;
  EXPECT_NE(json.find("\"boot_s\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"message\": \"say \\\"hi\\\"\\n\""), std::string::npos) << json;
  result.status = "lab-failed";
  result.script_exit.reset();
  EXPECT_NE(lab_result_json(result).find("\"lab_ok\": false, \"script_exit\": null"),
            std::string::npos);
}

}  // namespace
}  // namespace harness
