// Test points: named places in a conversion where the lab and the host tests
// stop, kill or cut the power. Off unless the environment asks:
//   PV2LUKS_TEST_POINTS=1       print "pv2luks: test point: NAME" on stderr
//   PV2LUKS_TEST_KILL_AT=NAME   SIGKILL this process at that point, as a
//                               crash there would (no cleanup, no unwinding)
//   PV2LUKS_TEST_STOP_AT=NAME   SIGSTOP it there, so a test can look at the
//                               process mid-conversion (send it a signal,
//                               take a core with gcore), then SIGCONT or kill it
// Names: staged, chunk-mirror K, chunk-half K, chunk-written K, chunk-done K,
// moved, header-half, header-torn, header-written, committed-early K.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pv2luks {

void test_point(const std::string& name);

// A test hook's number from the environment (a chunk index), or nullopt when
// unset. The hooks that break a conversion on purpose, as negative controls:
//   PV2LUKS_TEST_SKIP_MIRROR_CHUNK=K  live: chunk K is never copied
//   PV2LUKS_TEST_COMMIT_EARLY=K       chunk K is committed before it is copied
//   PV2LUKS_TEST_NO_AUTOACTIVATION_GUARD=1  live: the VG's autoactivation is
//                                     left on during the conversion
std::optional<std::uint64_t> test_number(const char* name);

}  // namespace pv2luks
