#include "image/qcow2_export.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/fd.h"
#include "image/export_dir.h"
#include "image/qemu_option.h"

namespace pv2luks {

namespace {

constexpr const char* kDaemon = "qemu-storage-daemon";
constexpr std::chrono::milliseconds kPollInterval{10};
constexpr std::size_t kMaxQuotedLogBytes = 2000;

void create_empty_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) Fail() << path << ": create failed: " << std::strerror(errno);
}

std::uint64_t device_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) Fail() << path << ": stat failed: " << std::strerror(errno);
  return st.st_dev;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.size() > kMaxQuotedLogBytes) text = "..." + text.substr(text.size() - kMaxQuotedLogBytes);
  return text;
}

bool says_locked(const std::string& messages) {
  return messages.find("Is another process using the image") != std::string::npos ||
         messages.find("Failed to get") != std::string::npos ||
         messages.find("Failed to lock byte") != std::string::npos;
}

}  // namespace

std::vector<std::string> qcow2_export_argv(const std::string& image_path,
                                           const std::string& mountpoint, bool writable) {
  const std::string read_only = writable ? "off" : "on";
  return {kDaemon,
          "--blockdev",
          "driver=file,node-name=file,filename=" + qemu_option_value(image_path) +
              ",read-only=" + read_only,
          "--blockdev",
          "driver=qcow2,node-name=qcow2,file=file,read-only=" + read_only,
          "--export",
          "type=fuse,id=exp,node-name=qcow2,mountpoint=" + qemu_option_value(mountpoint) +
              ",writable=" + (writable ? "on" : "off") + ",allow-other=off"};
}

Qcow2Export::Qcow2Export(const std::string& image_path, bool writable, ExportTimeouts timeouts)
    : image_path_(image_path), timeouts_(timeouts) {
  if (find_program(kDaemon).empty()) {
    Fail() << image_path << " is a qcow2 image, which pv2luks opens through " << kDaemon
           << ": it is not on PATH; install qemu-system-common";
  }
  try {
    start(writable);
  } catch (...) {
    if (daemon_) daemon_->stop(timeouts_.stop);
    unmount();
    remove_directory();
    throw;
  }
}

Qcow2Export::~Qcow2Export() {
  try {
    close();
  } catch (...) {
    // Nothing more to do in a destructor; close() reports to those who call it.
  }
}

void Qcow2Export::start(bool writable) {
  dir_.emplace();
  mountpoint_ = dir_->path() + "/disk";
  log_path_ = dir_->path() + "/" + kDaemon + ".log";
  create_empty_file(mountpoint_);
  const std::uint64_t dev_before = device_of(mountpoint_);
  daemon_.emplace(qcow2_export_argv(image_path_, mountpoint_, writable), log_path_);
  wait_until_live(dev_before);
}

// Live once the mountpoint is on another device (the FUSE mount).
void Qcow2Export::wait_until_live(std::uint64_t dev_before) {
  const auto deadline = std::chrono::steady_clock::now() + timeouts_.start;
  while (true) {
    if (!daemon_->running()) {
      fail_start("it exited with status " + std::to_string(daemon_->exit_status()));
    }
    struct stat st {};
    if (::stat(mountpoint_.c_str(), &st) == 0 && st.st_dev != dev_before) {
      size_bytes_ = static_cast<std::uint64_t>(st.st_size);
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      fail_start("the export did not appear within " +
                 std::to_string(timeouts_.start.count()) + " ms");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void Qcow2Export::fail_start(const std::string& why) {
  const std::string messages = daemon_messages();
  if (says_locked(messages)) {
    Fail(RefuseReason::kBusy)
        << image_path_ << " is in use by another program (QEMU holds its lock): stop the VM "
        << "first (" << kDaemon << ": " << messages << ")";
  }
  Fail() << image_path_ << ": " << kDaemon << " could not export it over FUSE: " << why
         << (messages.empty() ? "" : "; it said: ") << messages;
}

std::string Qcow2Export::daemon_messages() const {
  std::ifstream in(log_path_);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  return trimmed(text.str());
}

void Qcow2Export::close() {
  if (closed_) return;
  closed_ = true;
  std::string problem;
  try {
    flush();
  } catch (const Error& e) {
    problem = e.what();
  }
  try {
    stop_daemon();
  } catch (const Error& e) {
    if (problem.empty()) problem = e.what();
  }
  unmount();
  remove_directory();
  if (!problem.empty()) throw Error(problem);
}

// Durable after it: every write that completed through the export. The
// fsync of the FUSE file reaches qemu-storage-daemon as a flush of its qcow2
// node, which writes back its L2 and refcount caches and flushes the image
// file; only then do the clusters written so far have their metadata on disk.
void Qcow2Export::flush() {
  Fd fd(::open(mountpoint_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) Fail() << mountpoint_ << " (" << image_path_ << "): open failed: " << std::strerror(errno);
  if (::fsync(fd.get()) != 0) {
    Fail() << mountpoint_ << " (" << image_path_ << "): fsync failed: " << std::strerror(errno);
  }
}

void Qcow2Export::stop_daemon() {
  const int status = daemon_->stop(timeouts_.stop);
  if (status == 0) return;
  Fail() << image_path_ << ": " << kDaemon << " did not end cleanly (status " << status
         << "); check the image with `qemu-img check " << image_path_ << "`"
         << (daemon_messages().empty() ? "" : ": ") << daemon_messages();
}

// The daemon unmounts on a clean exit; after a kill the mount stays behind.
void Qcow2Export::unmount() {
  if (mountpoint_.empty()) return;
  if (::umount2(mountpoint_.c_str(), 0) == 0 || errno == EINVAL || errno == ENOENT) return;
  ::umount2(mountpoint_.c_str(), MNT_DETACH);
}

void Qcow2Export::remove_directory() noexcept {
  if (dir_) dir_->remove();
}

}  // namespace pv2luks
