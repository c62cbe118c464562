#include "image/image.h"

#include "common/error.h"

namespace harness {

int image_command(const std::vector<std::string>&) { Fail(kExitUsage) << "image: not built yet"; }

int checksum_command(const std::vector<std::string>&) {
  Fail(kExitUsage) << "checksum: not built yet";
}

}  // namespace harness
