#include "common/error.h"
#include "lab/lab.h"

namespace harness {

int lab_run_command(const std::vector<std::string>&) { Fail(kExitUsage) << "lab run: not yet"; }

}  // namespace harness
