#include "load/writer.h"

#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <ctime>
#include <iostream>
#include <utility>

#include "common/error.h"

namespace harness::load {
namespace {

volatile std::sig_atomic_t g_stop_requested = 0;

void on_stop_signal(int) { g_stop_requested = 1; }

// No SA_RESTART: a pause ends at once; disk writes finish first anyway.
void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);
}

bool stop_requested() { return g_stop_requested != 0; }

void tell(int fd, const std::string& message) {
  if (fd < 0) return;
  [[maybe_unused]] const ssize_t ignored = ::write(fd, message.data(), message.size());
  ::close(fd);
}

std::uint64_t newest_raw_sequence(const AckIndex& earlier, const std::string& device,
                                  std::uint64_t block_size_bytes) {
  std::uint64_t newest = 0;
  for (const auto& [key, acks] : earlier.blocks) {
    if (key.device != device) continue;
    if (key.block_size_bytes != block_size_bytes) {
      Fail(kExitUsage) << "--raw " << device << ": earlier runs in this log wrote it in "
                       << key.block_size_bytes << "-byte blocks; use --block-size "
                       << key.block_size_bytes << " or a new --log";
    }
    newest = std::max(newest, acks.max_sequence);
  }
  return newest;
}

}  // namespace

Writer::Writer(const WriterOptions& options, const AckIndex& earlier)
    : options_(options), random_(options.seed) {
  for (const std::string& dir : options_.dirs) {
    files_.emplace_back(dir, options_.file_size_bytes);
    for (std::uint64_t index = 0; index < options_.files; ++index) {
      const auto it = earlier.files.find({dir, index});
      next_generation_[{dir, index}] = it == earlier.files.end() ? 1 : it->second.max_sequence + 1;
    }
  }
  for (const std::string& raw : options_.raws) {
    raws_.emplace_back(raw, options_.block_size_bytes, options_.raw_span_bytes);
    next_sequence_.push_back(newest_raw_sequence(earlier, raw, options_.block_size_bytes) + 1);
  }
  log_.emplace(next_segment_path(options_.log_dir));
}

int Writer::run(int ready_fd) {
  install_stop_handlers();
  try {
    log_->append(RunStart{options_.seed, static_cast<std::uint64_t>(::getpid())});
    std::cout << "load: writer " << ::getpid() << " running: seed " << options_.seed << ", log "
              << log_->path().string() << std::endl;
    while (!stop_requested()) {
      round();
      if (ready_fd >= 0 && !stop_requested()) tell(std::exchange(ready_fd, -1), "ready\n");
      pause();
    }
    log_->append(RunEnd{file_writes_, raw_writes_});
    std::cout << "load: writer stopped: " << file_writes_ << " file writes, " << raw_writes_
              << " raw writes acknowledged" << std::endl;
    tell(ready_fd, "error: stopped before every target had a write\n");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "load: writer failed: " << e.what() << std::endl;
    try {
      log_->append(WriterFailure{e.what()});
    } catch (const std::exception&) {
      // The log itself failed; the message above is all we can leave.
    }
    tell(ready_fd, std::string("error: ") + e.what() + "\n");
    return 1;
  }
}

void Writer::round() {
  for (FileTarget& target : files_) {
    if (stop_requested()) return;
    write_file(target);
  }
  for (std::size_t which = 0; which < raws_.size(); ++which) {
    if (stop_requested()) return;
    write_raw(which);
  }
  ++round_;
}

void Writer::write_file(FileTarget& target) {
  const std::uint64_t index = round_ % options_.files;
  const std::string dir = target.dir().string();
  const std::uint64_t generation = next_generation_[{dir, index}]++;
  const std::string sha256 = target.write(options_.seed, index, generation);
  // Acknowledgement: the file and its name are durable; now record it.
  log_->append(FileWrite{dir, index, generation, options_.seed, sha256});
  ++file_writes_;
}

void Writer::write_raw(std::size_t which) {
  RawTarget& target = raws_[which];
  const std::uint64_t block = random_() % target.blocks();
  const std::uint64_t sequence = next_sequence_[which]++;
  const std::string sha256 = target.write(options_.seed, block, sequence);
  // Acknowledgement: the O_DSYNC write returned; now record it.
  log_->append(
      RawWrite{target.path(), target.block_size_bytes(), block, sequence, options_.seed, sha256});
  ++raw_writes_;
}

void Writer::pause() const {
  if (options_.pause_ms == 0 || stop_requested()) return;
  struct timespec delay {};
  delay.tv_sec = static_cast<time_t>(options_.pause_ms / 1000);
  delay.tv_nsec = static_cast<long>(options_.pause_ms % 1000) * 1000000L;
  ::nanosleep(&delay, nullptr);  // a stop signal cuts it short
}

}  // namespace harness::load
