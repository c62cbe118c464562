#include "image/nbd_export.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "base/errno_text.h"
#include "base/error.h"
#include "image/nbd_block_io.h"
#include "image/nbd_library.h"
#include "image/qemu_option.h"

namespace pv2luks {

namespace {

constexpr const char* kDaemon = "qemu-storage-daemon";
constexpr const char* kExportName = "disk";
constexpr int kPollMs = 10;
constexpr std::size_t kMaxQuotedLogBytes = 2000;
constexpr int kConnections = 2;  // a reader and a writer (nbd_block_io.h)

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

// A listening unix socket and kConnections clients connected to it; they
// wait in the backlog until the daemon accepts them (max-connections keeps
// any later one out). The socket is bound in a fresh directory only its
// owner (root) may enter, so no other user can connect first, and the path
// and the directory are removed as soon as our clients are queued: from then
// on nothing of the export is in the file system. (An abstract address
// would leave nothing either, but any local user may connect to one.)
std::pair<Fd, std::vector<Fd>> listener_with_clients() {
  std::string directory = (std::filesystem::temp_directory_path() / "pv2luks-nbd-XXXXXX").string();
  if (!::mkdtemp(directory.data())) {
    Fail() << "making a directory for the NBD export's socket in "
           << std::filesystem::temp_directory_path() << " failed: " << errno_text(errno);
  }
  const std::string path = directory + "/socket";
  const auto remove_path = [&] {
    ::unlink(path.c_str());
    ::rmdir(directory.c_str());
  };
  try {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof(address.sun_path)) {
      Fail() << path << ": too long for a unix socket; set TMPDIR to a shorter directory";
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    Fd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener ||
        ::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener.get(), kConnections) != 0) {
      Fail() << path << ": making a unix socket for the NBD export failed: " << errno_text(errno);
    }
    std::vector<Fd> clients;
    for (int i = 0; i < kConnections; ++i) {
      Fd client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (!client ||
          ::connect(client.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        Fail() << path << ": connecting to the NBD export's socket failed: " << errno_text(errno);
      }
      clients.push_back(std::move(client));
    }
    remove_path();
    return {std::move(listener), std::move(clients)};
  } catch (...) {
    remove_path();
    throw;
  }
}

}  // namespace

std::vector<std::string> nbd_export_argv(const std::string& image_path, int listen_fd,
                                         bool writable) {
  const std::string read_only = writable ? "off" : "on";
  // discard=unmap when writable: a write-zeroes that may trim (a --sparse
  // conversion's free ranges, nbd_block_io.h) frees the qcow2 clusters and
  // punches the file; nothing else discards.
  const std::string discard = writable ? ",discard=unmap" : "";
  // cache.direct=off, cache.no-flush=off (QEMU's writeback default, spelled
  // out): writes go through the host's page cache, and an NBD flush (or FUA
  // write) makes QEMU write back the qcow2 node's L2 and refcount caches and
  // fdatasync the image file. So a flush is durable, which is all the
  // conversion's commit points need; direct=on would make every write wait
  // for the disk without making a flush any more durable.
  return {kDaemon,
          "--blockdev",
          "driver=file,node-name=file,filename=" + qemu_option_value(image_path) +
              ",read-only=" + read_only + ",cache.direct=off,cache.no-flush=off" + discard,
          "--blockdev",
          "driver=qcow2,node-name=qcow2,file=file,read-only=" + read_only +
              ",cache.direct=off,cache.no-flush=off" + discard,
          "--nbd-server",
          "addr.type=fd,addr.str=" + std::to_string(listen_fd) +
              ",max-connections=" + std::to_string(kConnections),
          "--export",
          std::string("type=nbd,id=exp,node-name=qcow2,name=") + kExportName +
              ",writable=" + (writable ? "on" : "off")};
}

NbdExport::NbdExport(const std::string& image_path, bool writable, ExportTimeouts timeouts)
    : image_path_(image_path), timeouts_(timeouts) {
  if (find_program(kDaemon).empty()) {
    Fail() << image_path << " is a qcow2 image, which pv2luks opens through " << kDaemon
           << ": it is not on PATH; install qemu-system-common";
  }
  nbd_library(image_path);  // before the daemon starts: a missing libnbd0 is named first
  try {
    start(writable);
  } catch (...) {
    reader_.reset();
    writer_.reset();
    if (daemon_) daemon_->stop(timeouts_.stop);
    throw;
  }
}

NbdExport::~NbdExport() {
  try {
    close();
  } catch (...) {
    // Nothing more to do in a destructor; close() reports to those who call it.
  }
}

void NbdExport::start(bool writable) {
  log_ = Fd(::memfd_create("pv2luks-qemu-storage-daemon-log", MFD_CLOEXEC));
  if (!log_) Fail() << "memfd_create failed: " << errno_text(errno);
  auto [listener, clients] = listener_with_clients();
  // The daemon gets the listener as descriptor 3 (BackgroundProcess passes
  // it); ours closes when this scope ends.
  constexpr int kDaemonListenFd = 3;
  daemon_.emplace(nbd_export_argv(image_path_, kDaemonListenFd, writable),
                  "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(log_.get()),
                  listener.get());
  listener = Fd();
  reader_ = connect(std::move(clients[0]));
  writer_ = connect(std::move(clients[1]));
  size_bytes_ = writer_->size_bytes();
  source_ = nbd_block_source(reader_, writer_);
}

// The handshake, polled, so a daemon that hangs or exits is noticed: its
// end closes the last listener, and the waiting connection is reset.
std::shared_ptr<NbdConnection> NbdExport::connect(Fd client) {
  const NbdLibrary& nbd = nbd_library(image_path_);
  std::unique_ptr<nbd_handle, decltype(nbd.close)> handle(nbd.create(), nbd.close);
  if (!handle) Fail() << "nbd_create failed: " << nbd.error_text();
  if (nbd.set_export_name(handle.get(), kExportName) != 0 ||
      nbd.add_meta_context(handle.get(), LIBNBD_CONTEXT_BASE_ALLOCATION) != 0) {
    fail_start("libnbd: " + nbd.error_text());
  }
  const int socket_fd = client.release();  // libnbd owns it from here
  if (nbd.aio_connect_socket(handle.get(), socket_fd) != 0) {
    fail_start("libnbd: " + nbd.error_text());
  }
  const auto deadline = std::chrono::steady_clock::now() + timeouts_.start;
  while (nbd.aio_is_connecting(handle.get()) == 1) {
    if (nbd.poll(handle.get(), kPollMs) < 0) {
      fail_start("libnbd: " + nbd.error_text());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      fail_start("the NBD handshake did not finish within " +
                 std::to_string(timeouts_.start.count()) + " ms");
    }
  }
  if (nbd.aio_is_ready(handle.get()) != 1) {
    fail_start(daemon_->running() ? "the NBD handshake failed"
                                  : "it exited with status " + std::to_string(daemon_->exit_status()));
  }
  auto connection = std::make_shared<NbdConnection>(handle.get(), image_path_);
  handle.release();  // the connection closes it
  return connection;
}

void NbdExport::fail_start(const std::string& why) {
  if (daemon_) daemon_->stop(timeouts_.stop);  // its messages are complete after it
  const std::string messages = daemon_messages();
  if (says_locked(messages)) {
    Fail(RefuseReason::kBusy)
        << image_path_ << " is in use by another program (QEMU holds its lock): stop the VM "
        << "first (" << kDaemon << ": " << messages << ")";
  }
  Fail() << image_path_ << ": " << kDaemon << " could not export it over NBD: " << why
         << (messages.empty() ? "" : "; it said: ") << messages;
}

std::string NbdExport::daemon_messages() const {
  std::string text;
  char buffer[4096];
  for (off_t at = 0;;) {
    const ssize_t got = ::pread(log_.get(), buffer, sizeof buffer, at);
    if (got <= 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
    at += got;
  }
  return trimmed(text);
}

void NbdExport::close() {
  if (closed_) return;
  closed_ = true;
  std::string problem;
  if (writer_) {
    try {
      writer_->flush();
    } catch (const Error& e) {
      problem = e.what();
    }
  }
  if (reader_) reader_->shutdown();
  if (writer_) writer_->shutdown();
  try {
    stop_daemon();
  } catch (const Error& e) {
    if (problem.empty()) problem = e.what();
  }
  if (!problem.empty()) throw Error(problem);
}

void NbdExport::stop_daemon() {
  if (!daemon_) return;
  const int status = daemon_->stop(timeouts_.stop);
  if (status == 0) return;
  Fail() << image_path_ << ": " << kDaemon << " did not end cleanly (status " << status
         << "); check the image with `qemu-img check " << image_path_ << "`"
         << (daemon_messages().empty() ? "" : ": ") << daemon_messages();
}

}  // namespace pv2luks
