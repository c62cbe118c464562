// image/export_dir: a new export directory is made and locked in $TMPDIR;
// leftovers no live process holds are removed, and nothing else is touched
// (a held directory, other names, one with a subdirectory, a symlink).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/fd.h"
#include "image/export_dir.h"

namespace pv2luks {
namespace {

namespace fs = std::filesystem;

class ExportDirs : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/pv2luks-unit-exportdir-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    parent_ = pattern;
  }
  void TearDown() override { fs::remove_all(parent_); }

  fs::path leftover(const std::string& name) const {
    const fs::path dir = parent_ / name;
    fs::create_directory(dir);
    std::ofstream(dir / "disk").put('\0');
    std::ofstream(dir / "qemu-storage-daemon.log") << "old log\n";
    return dir;
  }

  fs::path parent_;
};

TEST_F(ExportDirs, RemovesOnlyLeftoversNobodyHolds) {
  const fs::path stale = leftover("pv2luks-qcow2-stale1");
  const fs::path held = leftover("pv2luks-qcow2-held01");
  const Fd holder(::open(held.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_EQ(::flock(holder.get(), LOCK_EX | LOCK_NB), 0);
  const fs::path other = leftover("someone-else");
  const fs::path nested = leftover("pv2luks-qcow2-nested");
  fs::create_directory(nested / "sub");
  const fs::path target = leftover("target");
  fs::create_directory_symlink(target, parent_ / "pv2luks-qcow2-link");

  EXPECT_EQ(remove_stale_export_dirs(parent_), 1);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(held / "disk"));
  EXPECT_TRUE(fs::exists(other / "disk"));
  EXPECT_TRUE(fs::exists(nested / "sub"));
  EXPECT_TRUE(fs::exists(target / "disk"));  // a symlink is not followed
  EXPECT_EQ(remove_stale_export_dirs(parent_ / "missing"), 0);
}

TEST_F(ExportDirs, NewDirectoryIsHeldAndRemovedWithItsFiles) {
  leftover("pv2luks-qcow2-stale2");
  ::setenv("TMPDIR", parent_.c_str(), 1);
  std::string path;
  {
    ExportDir dir;
    ::unsetenv("TMPDIR");
    path = dir.path();
    EXPECT_EQ(fs::path(path).parent_path(), parent_);
    EXPECT_EQ(fs::path(path).filename().string().rfind(kExportDirPrefix, 0), 0u);
    EXPECT_FALSE(fs::exists(parent_ / "pv2luks-qcow2-stale2"));  // swept first
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_all);
    std::ofstream(fs::path(path) / "disk").put('\0');
    EXPECT_EQ(remove_stale_export_dirs(parent_), 0);  // held: not a leftover
    EXPECT_TRUE(fs::exists(path));
  }
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace pv2luks
