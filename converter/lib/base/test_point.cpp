#include "base/test_point.h"

#ifdef PV2LUKS_TEST_HOOKS
#include <csignal>
#include <cstdio>
#include <cstdlib>
#endif

namespace pv2luks {

#ifdef PV2LUKS_TEST_HOOKS

namespace {

const char* variable(TestHook hook) {
  switch (hook) {
    case TestHook::SkipMirrorChunk: return "PV2LUKS_TEST_SKIP_MIRROR_CHUNK";
    case TestHook::CommitEarly: return "PV2LUKS_TEST_COMMIT_EARLY";
    case TestHook::NoAutoactivationGuard: return "PV2LUKS_TEST_NO_AUTOACTIVATION_GUARD";
    case TestHook::FlattenIvSkew: return "PV2LUKS_TEST_FLATTEN_IV_SKEW";
    case TestHook::TornHeader: return "PV2LUKS_TEST_TORN_HEADER";
    case TestHook::SparseNoZero: return "PV2LUKS_TEST_SPARSE_NO_ZERO";
  }
  return "";
}

}  // namespace

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

std::optional<std::uint64_t> test_hook(TestHook hook) {
  const char* value = std::getenv(variable(hook));
  if (!value || !*value) return std::nullopt;
  return std::stoull(value);
}

bool test_hooks_built() { return true; }

#else  // a default build: no hook, and no hook's name in the binary

void test_point(const std::string&) {}

std::optional<std::uint64_t> test_hook(TestHook) { return std::nullopt; }

bool test_hooks_built() { return false; }

#endif

}  // namespace pv2luks
