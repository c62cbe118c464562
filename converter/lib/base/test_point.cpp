#include "base/test_point.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace pv2luks {

void test_point(const std::string& name) {
  if (std::getenv("PV2LUKS_TEST_POINTS")) {
    std::fprintf(stderr, "pv2luks: test point: %s\n", name.c_str());
    std::fflush(stderr);
  }
  const char* kill_at = std::getenv("PV2LUKS_TEST_KILL_AT");
  if (kill_at && name == kill_at) std::raise(SIGKILL);
  const char* stop_at = std::getenv("PV2LUKS_TEST_STOP_AT");
  if (stop_at && name == stop_at) std::raise(SIGSTOP);
}

std::optional<std::uint64_t> test_number(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::stoull(value);
}

}  // namespace pv2luks
