// progress-stop-tool IMAGE KEY_FILE
// A library caller of the public header alone: converts IMAGE offline
// (convert_offline, pbkdf2 with 1000 iterations) with a progress callback
// that asks to stop once the first chunk is committed, and with no process
// policy (no memory locking, no signal deferral). Prints
//   status <done|refused|failed|stopped> chunks <done> of <count>
//   message <the result's message>
// Built for tests/host/test_progress_stop.py only; exit 0 when it printed.
#include <cstdio>
#include <string>

#include "pv2luks/pv2luks.h"

namespace {

const char* name_of(pv2luks::ConvertStatus status) {
  switch (status) {
    case pv2luks::ConvertStatus::kDone: return "done";
    case pv2luks::ConvertStatus::kRefused: return "refused";
    case pv2luks::ConvertStatus::kFailed: return "failed";
    case pv2luks::ConvertStatus::kStopped: return "stopped";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: progress-stop-tool IMAGE KEY_FILE\n");
    return 2;
  }
  pv2luks::ConvertOptions options;
  options.device = argv[1];
  options.offline = true;
  options.key_file = argv[2];
  options.pbkdf = "pbkdf2";
  options.pbkdf_force_iterations = 1000;
  std::uint64_t chunks_done = 0;
  std::uint64_t chunk_count = 0;
  const pv2luks::ProgressFn progress = [&](const pv2luks::Progress& now) {
    chunks_done = now.chunks_done;
    chunk_count = now.chunk_count;
    return now.chunks_done >= 1 ? pv2luks::ProgressReply::kStop
                                : pv2luks::ProgressReply::kContinue;
  };
  const pv2luks::ConvertResult result = pv2luks::convert_offline(
      options, [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); },
      progress);
  std::printf("status %s chunks %llu of %llu\nmessage %s\n", name_of(result.status),
              static_cast<unsigned long long>(chunks_done),
              static_cast<unsigned long long>(chunk_count), result.message.c_str());
  return 0;
}
