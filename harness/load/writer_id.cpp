#include "load/writer_id.h"

#include <fcntl.h>

#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/posix_io.h"

namespace harness::load {
namespace {

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

struct ProcStat {
  char state = '?';
  std::uint64_t start_ticks = 0;
};

// /proc/PID/stat: "pid (comm) state ppid ..."; starttime is field 22.
std::optional<ProcStat> read_proc_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  ProcStat stat;
  std::string skip;
  fields >> stat.state;
  for (int field = 4; field < 22; ++field) fields >> skip;
  fields >> stat.start_ticks;
  if (!fields) return std::nullopt;
  return stat;
}

}  // namespace

std::optional<WriterId> identify_process(pid_t pid) {
  const auto stat = read_proc_stat(pid);
  if (!stat) return std::nullopt;
  return WriterId{pid, boot_id(), stat->start_ticks, {}};
}

bool writer_alive(const WriterId& id) {
  const auto stat = read_proc_stat(id.pid);
  return stat && stat->state != 'Z' && stat->state != 'X' && stat->start_ticks == id.start_ticks &&
         id.boot_id == boot_id();
}

void write_writer_id(const std::filesystem::path& file, const WriterId& id) {
  std::ostringstream text;
  text << "pid=" << id.pid << "\nboot_id=" << id.boot_id << "\nstart_ticks=" << id.start_ticks
       << "\nsegment=" << id.segment << "\n";
  std::filesystem::path temp = file;
  temp += ".tmp";
  {
    const Fd fd = open_or_fail(temp, O_WRONLY | O_CREAT | O_TRUNC, kExitFailure);
    write_all(fd.get(), text.str(), temp);
    fsync_or_fail(fd.get(), temp);
  }
  std::filesystem::rename(temp, file);
}

std::optional<WriterId> read_writer_id(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  WriterId id;
  std::string line;
  try {
    while (std::getline(in, line)) {
      const std::size_t eq = line.find('=');
      const std::string key = line.substr(0, eq);
      const std::string value = eq == std::string::npos ? "" : line.substr(eq + 1);
      if (key == "pid") id.pid = static_cast<pid_t>(std::stol(value));
      if (key == "boot_id") id.boot_id = value;
      if (key == "start_ticks") id.start_ticks = std::stoull(value);
      if (key == "segment") id.segment = value;
    }
  } catch (const std::logic_error&) {
    id.pid = 0;
  }
  if (id.pid <= 0) Fail() << file.string() << ": damaged (no valid pid in it)";
  return id;
}

}  // namespace harness::load
