// Passphrase input (converter/lib/luks/passphrase.h) with cryptsetup's rules:
// key files whole, --key-file - to end of input, plain stdin up to the first
// newline, a terminal without echo (twice for a new passphrase); empty,
// missing and oversized inputs refused with the source named.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "base/errno_text.h"
#include "luks/passphrase.h"

namespace pv2luks {
namespace {

namespace fs = std::filesystem;

std::string text_of(const SecureBuffer& buffer) {  // test-only copy, to compare
  return std::string(buffer.chars(), buffer.size_bytes());
}

// The message of the Error `body` throws, or "" when it throws none.
template <typename Body>
std::string error_of(Body body) {
  try {
    body();
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "pv2luks-passphrase-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name, const std::string& content) const {
    const std::string path = (path_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  fs::path path() const { return path_; }

 private:
  fs::path path_;
};

// A pipe holding `content` (written by a thread, so any size works), read end
// returned; the write end is closed when the content is written.
class FilledPipe {
 public:
  explicit FilledPipe(std::string content) {
    std::signal(SIGPIPE, SIG_IGN);  // a reader that stops early must not kill the tests
    int fds[2];
    if (pipe(fds) != 0) std::abort();
    read_fd_ = fds[0];
    writer_ = std::thread([fd = fds[1], content = std::move(content)] {
      std::size_t done = 0;
      while (done < content.size()) {
        const ssize_t n = write(fd, content.data() + done, content.size() - done);
        if (n <= 0) break;  // reader closed early
        done += static_cast<std::size_t>(n);
      }
      close(fd);
    });
  }
  ~FilledPipe() {
    close(read_fd_);
    writer_.join();
  }
  int fd() const { return read_fd_; }

 private:
  int read_fd_ = -1;
  std::thread writer_;
};

TEST(PassphraseKeyFile, ReadsTheWholeFileByteForByte) {
  TempDir dir;
  const std::string content("line one\nline two\n\0binary\n", 26);
  const SecureBuffer passphrase = read_key_file(dir.file("key", content));
  EXPECT_EQ(text_of(passphrase), content);  // newlines and NULs kept
  EXPECT_TRUE(passphrase.locked());
}

TEST(PassphraseKeyFile, RefusesAnEmptyFileNamingIt) {
  TempDir dir;
  const std::string path = dir.file("empty", "");
  const std::string message = error_of([&] { read_key_file(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("empty"), std::string::npos) << message;
}

TEST(PassphraseKeyFile, RefusesAMissingFileNamingIt) {
  TempDir dir;
  const std::string path = (dir.path() / "missing").string();
  const std::string message = error_of([&] { read_key_file(path); });
  EXPECT_NE(message.find("key file " + path + ": open failed: " + std::strerror(ENOENT)),
            std::string::npos)
      << message;
}

TEST(PassphraseKeyFile, RefusesADirectory) {
  TempDir dir;
  const std::string message = error_of([&] { read_key_file(dir.path().string()); });
  EXPECT_NE(message.find("is a directory"), std::string::npos) << message;
}

TEST(PassphraseKeyFile, RefusesAnUnreadableFile) {
  TempDir dir;
  const std::string path = dir.file("secret", "passphrase");
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  // Root reads anything: check as nobody, in a child.
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    if (geteuid() == 0 && setresuid(65534, 65534, 65534) != 0) _exit(10);
    const std::string message = error_of([&] { read_key_file(path); });
    const bool ok = message.find(path) != std::string::npos &&
                    message.find(std::strerror(EACCES)) != std::string::npos;
    if (!ok) std::fprintf(stderr, "unexpected: '%s'\n", message.c_str());
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(PassphraseKeyFile, AcceptsEightMebibytesAndRefusesOneByteMore) {
  TempDir dir;
  const std::string at_limit = dir.file("limit", std::string(kMaxKeyFileBytes, 'k'));
  EXPECT_EQ(read_key_file(at_limit).size_bytes(), kMaxKeyFileBytes);
  const std::string over = dir.file("over", std::string(kMaxKeyFileBytes + 1, 'k'));
  const std::string message = error_of([&] { read_key_file(over); });
  EXPECT_NE(message.find("limit for key files"), std::string::npos) << message;
}

TEST(PassphraseKeyFile, ReadsAPipeNamedAsAPath) {  // --key-file <(command)
  FilledPipe pipe_in("from a pipe\n");
  const SecureBuffer passphrase = read_key_file("/dev/fd/" + std::to_string(pipe_in.fd()));
  EXPECT_EQ(text_of(passphrase), "from a pipe\n");
}

TEST(PassphraseStdin, KeyFileDashReadsToEndKeepingNewlines) {
  FilledPipe pipe_in("first line\nsecond line\n");
  EXPECT_EQ(text_of(read_key_stream(pipe_in.fd(), "standard input")), "first line\nsecond line\n");
}

TEST(PassphraseStdin, KeyFileDashRefusesEmptyInput) {
  FilledPipe pipe_in("");
  const std::string message = error_of([&] { read_key_stream(pipe_in.fd(), "standard input"); });
  EXPECT_NE(message.find("standard input: is empty"), std::string::npos) << message;
}

TEST(PassphraseStdin, KeyFileDashRefusesMoreThanEightMebibytes) {
  FilledPipe pipe_in(std::string(kMaxKeyFileBytes + 1, 'k'));
  const std::string message = error_of([&] { read_key_stream(pipe_in.fd(), "standard input"); });
  EXPECT_NE(message.find("limit for key files"), std::string::npos) << message;
}

TEST(PassphraseStdin, KeyFileDashLargeInputUnderTheLimitIsWhole) {
  std::string content(3 * 1024 * 1024 + 17, 'x');
  content[12345] = '\n';
  FilledPipe pipe_in(content);
  EXPECT_EQ(text_of(read_key_stream(pipe_in.fd(), "standard input")), content);
}

TEST(PassphraseStdin, LineStopsAtTheFirstNewlineAndReadsNoFurther) {
  FilledPipe pipe_in("secret\nleft for the next reader");
  EXPECT_EQ(text_of(read_passphrase_line(pipe_in.fd(), "standard input")), "secret");
  char rest[64] = {};
  std::size_t got = 0;
  for (ssize_t n; (n = read(pipe_in.fd(), rest + got, sizeof(rest) - 1 - got)) > 0;) got += n;
  EXPECT_EQ(std::string(rest, got), "left for the next reader");
}

TEST(PassphraseStdin, LineWithoutANewlineEndsAtEndOfInput) {
  FilledPipe pipe_in("secret");
  EXPECT_EQ(text_of(read_passphrase_line(pipe_in.fd(), "standard input")), "secret");
}

TEST(PassphraseStdin, LineRefusesAnEmptyLineAndEmptyInput) {
  FilledPipe empty_line("\nsecret\n");
  EXPECT_NE(error_of([&] {
              read_passphrase_line(empty_line.fd(), "standard input");
            }).find("standard input: empty passphrase refused"),
            std::string::npos);
  FilledPipe nothing("");
  EXPECT_NE(error_of([&] {
              read_passphrase_line(nothing.fd(), "standard input");
            }).find("standard input: nothing to read"),
            std::string::npos);
}

// A pseudo-terminal: the test types on the master, the code reads the slave.
class Terminal {
 public:
  Terminal() {
    if (openpty(&master_, &slave_, nullptr, nullptr, nullptr) != 0) std::abort();
  }
  ~Terminal() {
    close(master_);
    close(slave_);
  }
  int slave() const { return slave_; }

  // Everything the code wrote (and the terminal echoed) until `text` appears;
  // "" after 10 s without it.
  std::string wait_for(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (seen_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return "";
      pollfd in{master_, POLLIN, 0};
      if (poll(&in, 1, 100) <= 0) continue;
      char chunk[256];
      const ssize_t n = read(master_, chunk, sizeof(chunk));
      if (n > 0) seen_.append(chunk, static_cast<std::size_t>(n));
    }
    return seen_;
  }
  void type(const std::string& keys) {
    ASSERT_EQ(write(master_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  }
  const std::string& seen() const { return seen_; }
  bool echo_on() const {
    termios mode{};
    tcgetattr(slave_, &mode);
    return (mode.c_lflag & ECHO) != 0;
  }

 private:
  int master_ = -1;
  int slave_ = -1;
  std::string seen_;
};

TEST(PassphraseTerminal, NewPassphraseIsAskedTwiceWithoutEcho) {
  Terminal tty;
  ASSERT_TRUE(tty.echo_on());
  auto result = std::async(std::launch::async, [&] {
    return read_passphrase_terminal(tty.slave(), "New passphrase: ", PassphrasePurpose::kNew);
  });
  ASSERT_NE(tty.wait_for("New passphrase: "), "");
  tty.type("correct horse\n");
  ASSERT_NE(tty.wait_for("Verify passphrase: "), "");
  tty.type("correct horse\n");
  const SecureBuffer passphrase = result.get();
  EXPECT_EQ(text_of(passphrase), "correct horse");
  EXPECT_EQ(tty.seen().find("correct"), std::string::npos) << "echoed: " << tty.seen();
  EXPECT_TRUE(tty.echo_on());  // restored
}

TEST(PassphraseTerminal, NegativeControlTypingWithEchoOnIsSeen) {
  // Proves the no-echo check above can fail: the same terminal echoes typing
  // when nobody has turned echo off.
  Terminal tty;
  tty.type("visible\n");
  EXPECT_NE(tty.wait_for("visible"), "");
}

TEST(PassphraseTerminal, MismatchIsRefused) {
  Terminal tty;
  auto result = std::async(std::launch::async, [&] {
    return error_of([&] {
      read_passphrase_terminal(tty.slave(), "New passphrase: ", PassphrasePurpose::kNew);
    });
  });
  ASSERT_NE(tty.wait_for("New passphrase: "), "");
  tty.type("one\n");
  ASSERT_NE(tty.wait_for("Verify passphrase: "), "");
  tty.type("two\n");
  EXPECT_NE(result.get().find("passphrases do not match"), std::string::npos);
  EXPECT_TRUE(tty.echo_on());
}

TEST(PassphraseTerminal, ExistingPassphraseIsAskedOnce) {
  Terminal tty;
  auto result = std::async(std::launch::async, [&] {
    return read_passphrase_terminal(tty.slave(), "Passphrase: ", PassphrasePurpose::kExisting);
  });
  ASSERT_NE(tty.wait_for("Passphrase: "), "");
  tty.type("existing\n");
  EXPECT_EQ(text_of(result.get()), "existing");
  EXPECT_EQ(tty.seen().find("Verify"), std::string::npos);
}

TEST(PassphraseTerminal, ATerminalOpenedReadOnlyIsReopenedForThePrompt) {
  // An initramfs script's 'pv2luks resume ... < /dev/console': no controlling
  // terminal, and stdin's terminal open for reading only.
  Terminal tty;
  const int read_only = open(ttyname(tty.slave()), O_RDONLY | O_NOCTTY);
  ASSERT_GE(read_only, 0);
  EXPECT_LT(write(read_only, "x", 1), 0);  // why: a prompt written there never shows
  const int both = reopen_read_write(read_only);
  close(read_only);
  ASSERT_GE(both, 0);
  auto result = std::async(std::launch::async, [&] {
    return read_passphrase_terminal(both, "Enter the passphrase: ", PassphrasePurpose::kExisting);
  });
  ASSERT_NE(tty.wait_for("Enter the passphrase: "), "");
  tty.type("from the console\n");
  EXPECT_EQ(text_of(result.get()), "from the console");
  close(both);
}

TEST(PassphraseTerminal, EmptyPassphraseIsRefused) {
  Terminal tty;
  auto result = std::async(std::launch::async, [&] {
    return error_of([&] {
      read_passphrase_terminal(tty.slave(), "Passphrase: ", PassphrasePurpose::kExisting);
    });
  });
  ASSERT_NE(tty.wait_for("Passphrase: "), "");
  tty.type("\n");
  EXPECT_NE(result.get().find("empty passphrase refused"), std::string::npos);
}

TEST(PassphraseTerminal, KeyStreamRefusesATerminal) {
  Terminal tty;
  const std::string message = error_of([&] { read_key_stream(tty.slave(), "standard input"); });
  EXPECT_NE(message.find("is a terminal"), std::string::npos) << message;
}

// Runs `body` with `fd` as standard input, restoring it afterwards.
template <typename Body>
auto with_stdin(int fd, Body body) {
  const int saved = dup(STDIN_FILENO);
  dup2(fd, STDIN_FILENO);
  auto result = body();
  dup2(saved, STDIN_FILENO);
  close(saved);
  return result;
}

TEST(PassphraseSourceChoice, FollowsCryptsetup) {
  using Kind = PassphraseSource::Kind;
  EXPECT_EQ(passphrase_source(std::string("/etc/key")).kind, Kind::kKeyFile);
  EXPECT_EQ(passphrase_source(std::string("/etc/key")).path, "/etc/key");

  FilledPipe pipe_in("");
  EXPECT_EQ(with_stdin(pipe_in.fd(), [] { return passphrase_source(std::string("-")).kind; }),
            Kind::kKeyFileStdin);
  EXPECT_EQ(with_stdin(pipe_in.fd(), [] { return passphrase_source(std::nullopt).kind; }),
            Kind::kStdinLine);

  Terminal tty;
  EXPECT_EQ(with_stdin(tty.slave(), [] { return passphrase_source(std::string("-")).kind; }),
            Kind::kTerminal);
  EXPECT_EQ(with_stdin(tty.slave(), [] { return passphrase_source(std::nullopt).kind; }),
            Kind::kTerminal);
}

TEST(PassphraseSourceChoice, ReadPassphraseUsesTheChosenSource) {
  FilledPipe lines("one\ntwo\n");
  const PassphraseSource line{PassphraseSource::Kind::kStdinLine, ""};
  EXPECT_EQ(
      text_of(with_stdin(
          lines.fd(), [&] { return read_passphrase(line, PassphrasePurpose::kNew, "unused: "); })),
      "one");
  FilledPipe whole("one\ntwo\n");
  const PassphraseSource dash{PassphraseSource::Kind::kKeyFileStdin, ""};
  EXPECT_EQ(
      text_of(with_stdin(
          whole.fd(), [&] { return read_passphrase(dash, PassphrasePurpose::kNew, "unused: "); })),
      "one\ntwo\n");
}

}  // namespace
}  // namespace pv2luks
