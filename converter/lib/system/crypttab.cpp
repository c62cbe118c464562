#include "system/crypttab.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "base/error.h"
#include "base/fd.h"
#include "base/words.h"
#include "luks/error.h"

namespace pv2luks {

namespace {

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) Fail() << path << ": write failed: " << errno_text(errno);
    done += static_cast<std::size_t>(wrote);
  }
}

}  // namespace

std::string crypttab_line(const std::string& name, const std::string& uuid) {
  return name + " UUID=" + uuid + " none luks";
}

std::string crypttab_with(const std::string& text, const std::string& line) {
  const std::vector<std::string> wanted = words_of(line);
  if (wanted.size() < 2) Fail() << "crypttab line '" << line << "' has no name and source";
  std::istringstream in(text);
  for (std::string existing; std::getline(in, existing);) {
    const std::vector<std::string> have = words_of(existing);
    if (have.size() < 2 || have[0].front() == '#') continue;
    if (have[0] == wanted[0] && have[1] == wanted[1]) return text;
    if (have[0] == wanted[0]) {
      Fail() << "crypttab already has a volume named " << wanted[0] << " (" << existing << ")";
    }
    if (have[1] == wanted[1]) {
      Fail() << "crypttab already lists " << wanted[1] << " (" << existing << ")";
    }
  }
  std::string out = text;
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + line + '\n';
}

bool add_to_crypttab(const std::string& path, const std::string& line) {
  std::string text;
  mode_t mode = 0644;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
    std::ifstream in(path, std::ios::binary);
    if (!in) Fail() << path << ": cannot read it";
    text.assign(std::istreambuf_iterator<char>(in), {});
  } else if (errno != ENOENT) {
    Fail() << path << ": " << errno_text(errno);
  }
  const std::string updated = crypttab_with(text, line);
  if (updated == text) return false;
  const std::filesystem::path target(path);
  const std::string temporary = path + ".pv2luks-new";
  Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) Fail() << temporary << ": cannot create it: " << errno_text(errno);
  try {
    write_all(fd.get(), updated, temporary);
    if (::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0) {
      Fail() << temporary << ": " << errno_text(errno);
    }
  } catch (const Error&) {
    ::unlink(temporary.c_str());
    throw;
  }
  fd = Fd();
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    Fail() << path << ": rename failed: " << errno_text(error);
  }
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd) ::fsync(dir_fd.get());
  return true;
}

}  // namespace pv2luks
