// Test hooks: named places in a conversion where the lab and the host tests
// stop, kill or cut the power, and the negative controls that break a
// conversion on purpose. They exist only in a test build: configured with
// -DPV2LUKS_TEST_HOOKS=ON (ci/build does), test_point.cpp reads them from the
// environment; in a default build (every package) test_point() does nothing,
// test_hook() is always nullopt, and no hook name is in the binary
// (tests/host/test_package.py checks).
//
// In a test build, test_point(NAME) obeys:
//   PV2LUKS_TEST_POINTS=1       print "pv2luks: test point: NAME" on stderr
//   PV2LUKS_TEST_KILL_AT=NAME   SIGKILL this process at that point, as a
//                               crash there would (no cleanup, no unwinding)
//   PV2LUKS_TEST_STOP_AT=NAME   SIGSTOP this process at that point, so a test
//                               can look at it or signal it there; SIGCONT
//                               goes on
// Names: staged, chunk-mirror K, chunk-half K, chunk-written K, chunk-done K,
// moved, header-half, header-torn, header-written, committed-early K.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

void test_point(const std::string& name);

// The negative controls, each a number from its variable (a chunk index, or
// 1 for a switch):
enum class TestHook {
  SkipMirrorChunk,        // PV2LUKS_TEST_SKIP_MIRROR_CHUNK=K: live, chunk K is never copied
  CommitEarly,            // PV2LUKS_TEST_COMMIT_EARLY=K: chunk K is committed before it is copied
  NoAutoactivationGuard,  // PV2LUKS_TEST_NO_AUTOACTIVATION_GUARD=1: live, the VG's
                          // autoactivation is left on during the conversion
  FlattenIvSkew,          // PV2LUKS_TEST_FLATTEN_IV_SKEW=N: flatten's first table's IV
                          // offset is off by N sectors
  TornHeader,             // PV2LUKS_TEST_TORN_HEADER=1: half the LUKS header is written,
                          // durably, and the conversion fails at "header-torn"
};

// The hook's number, or nullopt when it is unset (always, in a default build).
std::optional<std::uint64_t> test_hook(TestHook hook);

// test_hooks_built() (pv2luks.h) says whether this build has them.

}  // namespace pv2luks
