// A qcow2 image seen as a raw disk: qemu-storage-daemon exports the image's
// qcow2 node over FUSE onto a regular file in a private temporary directory
// (export_dir.h: a SIGKILLed pv2luks's directory is removed by the next one),
// for as long as this object lives.
//
// Buffered I/O through the export is correct. O_DIRECT writes larger than
// 1 MiB through it silently corrupt data (measured with QEMU 7.2), so callers
// must not open path() with O_DIRECT (ImageView says direct_io_allowed false).
//
// qemu-storage-daemon takes QEMU's image locks itself (see image_lock.h), so a
// running VM makes the export fail ("in use") and a VM started meanwhile cannot
// open the image.
//
// The daemon gets SIGTERM when the thread that created the export exits:
// create it on the thread that outlives its use.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/process.h"
#include "image/export_dir.h"

namespace pv2luks {

struct ExportTimeouts {
  std::chrono::milliseconds start{20000};  // until the FUSE file appears
  std::chrono::milliseconds stop{20000};   // from SIGTERM until SIGKILL
};

class Qcow2Export {
 public:
  // Starts the export and waits until it is live. An Error names the image and
  // quotes the daemon's messages when it does not come up.
  Qcow2Export(const std::string& image_path, bool writable, ExportTimeouts timeouts = {});
  // As close(), ignoring errors.
  ~Qcow2Export();
  Qcow2Export(const Qcow2Export&) = delete;
  Qcow2Export& operator=(const Qcow2Export&) = delete;

  // The raw view: a regular file on the FUSE mount.
  const std::string& path() const { return mountpoint_; }
  std::uint64_t size_bytes() const { return size_bytes_; }
  int daemon_pid() const { return daemon_ ? daemon_->pid() : -1; }

  // Flushes the image (fsync through the export), stops the daemon (SIGTERM,
  // SIGKILL after the stop timeout), unmounts the mountpoint if it is still
  // mounted and removes the temporary directory. Any file descriptors on
  // path() must be closed before. An Error when the flush fails or the daemon
  // did not end cleanly: the image may then lack writes.
  void close();

 private:
  void start(bool writable);
  void wait_until_live(std::uint64_t dev_before);
  [[noreturn]] void fail_start(const std::string& why);
  std::string daemon_messages() const;
  void flush();
  void stop_daemon();
  void unmount();
  void remove_directory() noexcept;

  std::string image_path_;
  ExportTimeouts timeouts_;
  std::optional<ExportDir> dir_;
  std::string mountpoint_;
  std::string log_path_;
  std::optional<BackgroundProcess> daemon_;
  std::uint64_t size_bytes_ = 0;
  bool closed_ = false;
};

// The qemu-storage-daemon command line for an export of `image_path` onto
// `mountpoint` (commas in paths doubled, as QEMU's option syntax wants).
std::vector<std::string> qcow2_export_argv(const std::string& image_path,
                                           const std::string& mountpoint, bool writable);

}  // namespace pv2luks
