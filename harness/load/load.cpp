#include "load/load.h"

#include "common/error.h"

namespace harness {

int load_command(const std::vector<std::string>&) {
  Fail(kExitUsage) << "load: not built yet";
}

}  // namespace harness
