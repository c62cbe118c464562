// pv2luks.h's harden_process().
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <string>

#include "crypto/openssl_memory.h"
#include "base/errno_text.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

std::string harden_process() {
  std::string problems;
  const auto add = [&](const std::string& problem) {
    problems += (problems.empty() ? "" : "; ") + problem;
  };
  const rlimit no_core{0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) {
    add("setrlimit(RLIMIT_CORE, 0) failed: " + errno_text(errno));
  }
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    add("prctl(PR_SET_DUMPABLE, 0) failed: " + errno_text(errno));
  }
  if (!lock_openssl_memory()) {
    add("OpenSSL allocated memory before its memory functions could be set, so its key "
        "schedules would lie in ordinary memory (call pv2luks::lock_openssl_memory() from the "
        "program's .preinit_array)");
  }
  return problems;
}

}  // namespace pv2luks
