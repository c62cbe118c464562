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
// Names (K: a chunk's index from 0), where the conversion reaches them:
//   staged            both modes: the staged record is durable, no data
//                     sector written yet
//   chunk-mirror K    live: chunk K's mirror table is loaded, before its sync
//   chunk-half K      offline: half of chunk K's ciphertext is written
//   chunk-written K   offline: all of chunk K's ciphertext is written
//   committed-early K both modes, with PV2LUKS_TEST_COMMIT_EARLY=K only:
//                     chunk K committed before its copy
//   chunk-done K      both modes: chunk K's commit record is durable
//   moved             both modes: every chunk moved, before the tail wipe
//                     and the header write
//   header-half       both modes: half the LUKS header is written
//   header-torn       both modes, with PV2LUKS_TEST_TORN_HEADER=1 only: the
//                     half header is flushed and the conversion fails
//   header-written    both modes: the LUKS header is written
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

void test_point(const std::string& name);

// The negative controls, each a number from its variable (a chunk index, or
// 1 for a switch). Each breaks one safeguard on purpose, so that a test can
// show its checks catch the breakage:
enum class TestHook {
  // PV2LUKS_TEST_SKIP_MIRROR_CHUNK=K: live only (live/move.cpp). Chunk K's
  // mirror table is never loaded, so chunk K is committed without its copy
  // and keeps its plaintext (tests/lab/test_convert_live.py and
  // test_convert_secrets.py must catch both).
  SkipMirrorChunk,
  // PV2LUKS_TEST_COMMIT_EARLY=K: both modes (convert/chunk_loop.cpp, the
  // one chunk loop). Chunk K's record is committed before its
  // copy is in sync or written, then "committed-early K"; a power cut or kill
  // there makes resume skip the copy (tests/lab/test_resume_controls.py,
  // tests/host/test_offline_resume.py).
  CommitEarly,
  // PV2LUKS_TEST_NO_AUTOACTIVATION_GUARD=1: live only (live/live_convert.cpp).
  // The VG's autoactivation stays on during the conversion, so a boot's
  // vgchange -aay after a cut activates the half-converted VG
  // (tests/lab/test_resume_controls.py).
  NoAutoactivationGuard,
  // PV2LUKS_TEST_FLATTEN_IV_SKEW=N: flatten only (flatten/flatten_api.cpp).
  // The first LV's first table has its IV offset off by N sectors, so the LV
  // reads back as garbage (tests/lab/test_flatten.py).
  FlattenIvSkew,
  // PV2LUKS_TEST_TORN_HEADER=1: both modes (convert/front_header.cpp). Only
  // the front half of the LUKS header is written and flushed, then
  // "header-torn" and the conversion fails, as a torn write would leave it
  // (tests/lab/test_resume.py).
  TornHeader,
  // PV2LUKS_TEST_SPARSE_NO_ZERO=1: offline --sparse only
  // (offline/userspace_move.cpp). The old place of a range left unallocated
  // is not zeroed, so what it held (plaintext of data that moved on) stays
  // in the image (tests/host/test_offline_sparse.py must catch it).
  SparseNoZero,
};

// The hook's number, or nullopt when it is unset (always, in a default build).
std::optional<std::uint64_t> test_hook(TestHook hook);

// test_hooks_built() (pv2luks.h) says whether this build has them.

}  // namespace pv2luks
