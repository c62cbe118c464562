#include "luks/passphrase.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "base/errno_text.h"

namespace pv2luks {
namespace {

constexpr std::size_t kFirstStreamBufferBytes = 4096;

// An owned descriptor for the files this module opens.
class OwnedFd {
 public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) close(fd_);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// read(2) that retries on EINTR; -1 with errno on failure.
ssize_t read_some(int fd, void* data, std::size_t size_bytes) {
  for (;;) {
    const ssize_t n = read(fd, data, size_bytes);
    if (n >= 0 || errno != EINTR) return n;
  }
}

void write_text(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a prompt that cannot be shown does not stop the read
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// A copy of `from` in a buffer of at least `capacity_bytes`.
SecureBuffer grown(const SecureBuffer& from, std::size_t capacity_bytes) {
  SecureBuffer to(capacity_bytes);
  if (!from.empty()) std::memcpy(to.data(), from.data(), from.size_bytes());
  return to;
}

[[noreturn]] void refuse_empty(const std::string& what) {
  Fail() << what << ": is empty; refusing an empty passphrase";
}

// Reads `fd` to end of file, refusing more than kMaxKeyFileBytes.
SecureBuffer read_to_end(int fd, const std::string& what) {
  const std::size_t limit_bytes = kMaxKeyFileBytes + 1;  // one more byte shows "too long"
  SecureBuffer buffer(kFirstStreamBufferBytes);
  std::size_t used_bytes = 0;
  while (used_bytes < limit_bytes) {
    if (used_bytes == buffer.capacity_bytes()) {
      buffer = grown(buffer, std::min(2 * buffer.capacity_bytes(), limit_bytes));
    }
    const std::size_t want_bytes = std::min(buffer.capacity_bytes(), limit_bytes) - used_bytes;
    const ssize_t n = read_some(fd, buffer.data() + used_bytes, want_bytes);
    if (n < 0) Fail() << what << ": read failed: " << errno_text(errno);
    if (n == 0) break;
    used_bytes += static_cast<std::size_t>(n);
  }
  if (used_bytes > kMaxKeyFileBytes) {
    Fail() << what << ": more than " << kMaxKeyFileBytes
           << " bytes, the limit for key files (as cryptsetup's)";
  }
  if (used_bytes == 0) refuse_empty(what);
  buffer.shrink(used_bytes);
  return buffer;
}

// One line from `fd`, the newline dropped; a byte at a time so nothing past
// the newline is consumed. End of file also ends the line.
SecureBuffer read_line(int fd, const std::string& what, std::size_t max_bytes) {
  SecureBuffer buffer(max_bytes + 1);
  std::size_t used_bytes = 0;
  bool newline = false;
  while (used_bytes <= max_bytes) {
    const ssize_t n = read_some(fd, buffer.data() + used_bytes, 1);
    if (n < 0) Fail() << what << ": read failed: " << errno_text(errno);
    if (n == 0) break;
    if (buffer.data()[used_bytes] == '\n') {
      buffer.data()[used_bytes] = 0;
      newline = true;
      break;
    }
    ++used_bytes;
  }
  if (used_bytes > max_bytes) {
    Fail() << what << ": passphrase longer than " << max_bytes << " bytes";
  }
  if (used_bytes == 0) {
    if (newline) Fail() << what << ": empty passphrase refused";
    Fail() << what << ": nothing to read; refusing an empty passphrase";
  }
  buffer.shrink(used_bytes);
  return buffer;
}

// Echo off for the lifetime of the object (then restored), input typed
// before the prompt discarded (TCSAFLUSH), as getpass(3) and cryptsetup do.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (tcgetattr(fd_, &saved_) != 0) {
      Fail() << "terminal: tcgetattr failed: " << errno_text(errno);
    }
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ICANON;
    if (tcsetattr(fd_, TCSAFLUSH, &quiet) != 0) {
      Fail() << "terminal: tcsetattr failed: " << errno_text(errno);
    }
  }
  ~EchoOff() { tcsetattr(fd_, TCSAFLUSH, &saved_); }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  termios saved_{};
};

SecureBuffer ask_once(int tty_fd, const std::string& prompt) {
  EchoOff echo_off(tty_fd);
  write_text(tty_fd, prompt);
  struct NewlineAfter {  // the typed newline was not echoed; end the prompt line
    int fd;
    ~NewlineAfter() { write_text(fd, "\n"); }
  } newline_after{tty_fd};
  return read_line(tty_fd, "terminal", kMaxPassphraseBytes);
}

}  // namespace

PassphraseSource passphrase_source(const std::optional<std::string>& key_file) {
  PassphraseSource source;
  const bool stdin_is_terminal = isatty(STDIN_FILENO) == 1;
  if (key_file && *key_file != "-") {
    source.kind = PassphraseSource::Kind::kKeyFile;
    source.path = *key_file;
  } else if (stdin_is_terminal) {
    source.kind = PassphraseSource::Kind::kTerminal;
  } else if (key_file) {
    source.kind = PassphraseSource::Kind::kKeyFileStdin;
  } else {
    source.kind = PassphraseSource::Kind::kStdinLine;
  }
  return source;
}

int reopen_read_write(int fd) {
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  return open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY);
}

SecureBuffer read_key_file(const std::string& path) {
  const std::string what = "key file " + path;
  OwnedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) Fail() << what << ": open failed: " << errno_text(errno);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) Fail() << what << ": fstat failed: " << errno_text(errno);
  if (S_ISDIR(st.st_mode)) Fail() << what << ": is a directory, not a key file";
  if (!S_ISREG(st.st_mode)) return read_key_stream(fd.get(), what);  // a pipe, /dev/stdin, ...

  const auto size_bytes = static_cast<std::uint64_t>(st.st_size);
  if (size_bytes == 0) refuse_empty(what);
  if (size_bytes > kMaxKeyFileBytes) {
    Fail() << what << ": is " << size_bytes << " bytes, more than the " << kMaxKeyFileBytes
           << "-byte limit for key files (as cryptsetup's)";
  }
  SecureBuffer buffer(size_bytes);
  std::size_t used_bytes = 0;
  while (used_bytes < size_bytes) {
    const ssize_t n = read_some(fd.get(), buffer.data() + used_bytes, size_bytes - used_bytes);
    if (n < 0) Fail() << what << ": read failed: " << errno_text(errno);
    if (n == 0) break;  // shrank under us: take what is there
    used_bytes += static_cast<std::size_t>(n);
  }
  if (used_bytes == 0) refuse_empty(what);
  buffer.shrink(used_bytes);
  return buffer;
}

SecureBuffer read_key_stream(int fd, const std::string& what) {
  if (isatty(fd) == 1) {
    Fail() << what << ": is a terminal; a key file is read from a file or a pipe";
  }
  return read_to_end(fd, what);
}

SecureBuffer read_passphrase_line(int fd, const std::string& what) {
  return read_line(fd, what, kMaxKeyFileBytes);
}

SecureBuffer read_passphrase_terminal(int tty_fd, const std::string& prompt,
                                      PassphrasePurpose purpose) {
  SecureBuffer passphrase = ask_once(tty_fd, prompt);
  if (purpose == PassphrasePurpose::kNew) {
    const SecureBuffer again = ask_once(tty_fd, "Verify passphrase: ");
    if (!passphrase.equals(again)) Fail() << "terminal: passphrases do not match";
  }
  return passphrase;
}

SecureBuffer read_passphrase(const PassphraseSource& source, PassphrasePurpose purpose,
                             const std::string& prompt) {
  switch (source.kind) {
    case PassphraseSource::Kind::kKeyFile:
      return read_key_file(source.path);
    case PassphraseSource::Kind::kKeyFileStdin:
      return read_key_stream(STDIN_FILENO, "standard input");
    case PassphraseSource::Kind::kStdinLine:
      return read_passphrase_line(STDIN_FILENO, "standard input");
    case PassphraseSource::Kind::kTerminal: {
      // The controlling terminal even when stdout or stderr are redirected,
      // else stdin itself (as cryptsetup does).
      OwnedFd tty(open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
      // No controlling terminal (an initramfs script has none): stdin's
      // terminal, reopened read-write so that the prompt shows even when
      // stdin was opened read-only ('< /dev/console').
      OwnedFd own(tty.get() >= 0 ? -1 : reopen_read_write(STDIN_FILENO));
      const int fd = tty.get() >= 0 ? tty.get() : own.get() >= 0 ? own.get() : STDIN_FILENO;
      return read_passphrase_terminal(fd, prompt, purpose);
    }
  }
  Fail() << "passphrase: unknown source";
}

}  // namespace pv2luks
