#include "image/export_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/error.h"

namespace pv2luks {

namespace {

// A sweeping pv2luks may lock and remove a directory we have just made,
// before we lock it; we then make another.
constexpr int kMakeAttempts = 8;

std::string temp_parent() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

Fd open_dir_at(int parent_fd, const char* name) {
  return Fd(::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

bool lock_now(int dir_fd) { return ::flock(dir_fd, LOCK_EX | LOCK_NB) == 0; }

// The names in the directory, but "." and "..".
std::vector<std::string> entries_of(int dir_fd) {
  std::vector<std::string> names;
  DIR* listing = ::fdopendir(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (listing == nullptr) return names;
  while (const dirent* entry = ::readdir(listing)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(listing);
  return names;
}

// Unlinks every file in the directory `dir_fd` (at `path`); a file a FUSE
// mount still covers is detached first. False when something stays.
bool remove_files(int dir_fd, const std::string& path) {
  bool all = true;
  for (const std::string& name : entries_of(dir_fd)) {
    if (::unlinkat(dir_fd, name.c_str(), 0) == 0) continue;
    if (errno == EBUSY) {
      ::umount2((path + "/" + name).c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
      if (::unlinkat(dir_fd, name.c_str(), 0) == 0) continue;
    }
    all = false;
  }
  return all;
}

bool same_file(const std::string& path, int fd) {
  struct stat by_path {};
  struct stat by_fd {};
  return ::lstat(path.c_str(), &by_path) == 0 && ::fstat(fd, &by_fd) == 0 &&
         by_path.st_dev == by_fd.st_dev && by_path.st_ino == by_fd.st_ino;
}

}  // namespace

int remove_stale_export_dirs(const std::string& parent) {
  const Fd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent_fd) return 0;
  int removed = 0;
  for (const std::string& name : entries_of(parent_fd.get())) {
    if (name.rfind(kExportDirPrefix, 0) != 0) continue;
    const Fd dir = open_dir_at(parent_fd.get(), name.c_str());
    struct stat st {};
    if (!dir || ::fstat(dir.get(), &st) != 0 || st.st_uid != ::geteuid()) continue;
    if (!lock_now(dir.get())) continue;  // its pv2luks is alive
    if (remove_files(dir.get(), parent + "/" + name) &&
        ::unlinkat(parent_fd.get(), name.c_str(), AT_REMOVEDIR) == 0) {
      ++removed;
    }
  }
  return removed;
}

ExportDir::ExportDir() {
  const std::string parent = temp_parent();
  remove_stale_export_dirs(parent);
  for (int attempt = 1;; ++attempt) {
    std::string pattern = parent + "/" + kExportDirPrefix + "XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      Fail() << pattern << ": mkdtemp failed: " << std::strerror(errno);
    }
    Fd dir(::open(pattern.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir && lock_now(dir.get()) && same_file(pattern, dir.get())) {
      path_ = pattern;
      lock_ = std::move(dir);
      return;
    }
    if (attempt == kMakeAttempts) {
      Fail() << pattern << ": could not hold a new temporary directory (" << kMakeAttempts
             << " tries; something removes them as they are made)";
    }
  }
}

ExportDir::~ExportDir() { remove(); }

void ExportDir::remove() noexcept {
  if (path_.empty()) return;
  remove_files(lock_.get(), path_);
  ::rmdir(path_.c_str());
  lock_ = Fd();
  path_.clear();
}

}  // namespace pv2luks
