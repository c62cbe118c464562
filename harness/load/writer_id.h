// Who the background writer is: its pid plus what makes the pid unambiguous
// (boot id and start time), so a stale writer.pid left by a power cut or a
// reused pid never counts as a running writer.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace harness::load {

struct WriterId {
  pid_t pid = 0;
  std::string boot_id;
  std::uint64_t start_ticks = 0;
  std::string segment;  // file name of the run's log segment
};

// The identity of live process `pid`, or nullopt when there is none.
std::optional<WriterId> identify_process(pid_t pid);

// Whether the process `id` names still runs (a zombie does not).
bool writer_alive(const WriterId& id);

void write_writer_id(const std::filesystem::path& file, const WriterId& id);
std::optional<WriterId> read_writer_id(const std::filesystem::path& file);  // nullopt: no file

}  // namespace harness::load
