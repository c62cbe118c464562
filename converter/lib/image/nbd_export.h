// A qcow2 image seen as a raw disk: qemu-storage-daemon exports the image's
// qcow2 node over NBD and pv2luks reads and writes it through libnbd
// (nbd_block_io.h), for as long as this object lives.
//
// Nothing of it stays in the file system, so nothing is left behind when
// pv2luks is killed: the daemon listens on a socket pv2luks made, passed as
// a descriptor. pv2luks binds it in a directory of its own (mode 0700: no
// other user can connect), makes its two connections (a reader and a writer,
// nbd_block_io.h), and removes the path and the directory, all before the
// daemon starts; the daemon takes those two only (max-connections), so no
// other process gets in after.
// The daemon's messages go to a memfd. The daemon gets SIGTERM when the
// thread that created the export exits (a SIGKILL of pv2luks too: its
// parent-death signal), and on SIGTERM it flushes the image and ends.
// No /dev/fuse is needed.
//
// qemu-storage-daemon takes QEMU's image locks itself (see image_lock.h), so a
// running VM makes the export fail ("in use") and a VM started meanwhile cannot
// open the image.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/fd.h"
#include "base/process.h"
#include "base/block_io.h"

namespace pv2luks {

class NbdConnection;

struct ExportTimeouts {
  std::chrono::milliseconds start{20000};  // until the NBD handshake is done
  std::chrono::milliseconds stop{20000};   // from SIGTERM until SIGKILL
};

class NbdExport {
 public:
  // Starts the export and connects to it. An Error names the image and
  // quotes the daemon's messages when it does not come up; "in use" when QEMU
  // (or another pv2luks's daemon) holds the image's lock.
  NbdExport(const std::string& image_path, bool writable, ExportTimeouts timeouts = {});
  // As close(), ignoring errors.
  ~NbdExport();
  NbdExport(const NbdExport&) = delete;
  NbdExport& operator=(const NbdExport&) = delete;

  // The raw disk, to open BlockIo on.
  std::shared_ptr<const BlockSource> source() const { return source_; }
  std::uint64_t size_bytes() const { return size_bytes_; }
  int daemon_pid() const { return daemon_ ? daemon_->pid() : -1; }

  // Flushes the image (an NBD flush: qemu-storage-daemon writes back its
  // qcow2 metadata caches and flushes the image file), disconnects and stops
  // the daemon (SIGTERM, SIGKILL after the stop timeout). An Error when the
  // flush fails or the daemon did not end cleanly: the image may then lack
  // writes.
  void close();

 private:
  void start(bool writable);
  std::shared_ptr<NbdConnection> connect(Fd client);
  [[noreturn]] void fail_start(const std::string& why);
  std::string daemon_messages() const;
  void stop_daemon();

  std::string image_path_;
  ExportTimeouts timeouts_;
  Fd log_;  // a memfd: the daemon's standard output and error
  std::optional<BackgroundProcess> daemon_;
  std::shared_ptr<NbdConnection> reader_;
  std::shared_ptr<NbdConnection> writer_;
  std::shared_ptr<const BlockSource> source_;
  std::uint64_t size_bytes_ = 0;
  bool closed_ = false;
};

// The qemu-storage-daemon command line for an export of `image_path` on the
// listening socket `listen_fd` (commas in the path doubled, as QEMU's option
// syntax wants).
std::vector<std::string> nbd_export_argv(const std::string& image_path, int listen_fd,
                                         bool writable);

}  // namespace pv2luks
