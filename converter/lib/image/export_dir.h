// The qcow2 export's private temporary directory, $TMPDIR (or /tmp)/
// pv2luks-qcow2-XXXXXX (mode 0700): the FUSE mountpoint file and the
// daemon's log live in it.
//
// Nothing can remove it when pv2luks is SIGKILLed (the daemon ends on its
// own then, see qcow2_export.h, and unmounts). So its owner holds an flock on
// the directory for as long as it lives, and every new ExportDir first
// removes the leftovers: directories of that name in the same place, owned
// by us, that no live process holds locked (a lock goes with its process).
// A leftover is emptied of its files (a FUSE mount still on one, left by a
// daemon that was killed too, is detached first) and removed; one holding
// anything else (a directory) is left alone.
#pragma once

#include <string>

#include "base/fd.h"

namespace pv2luks {

class ExportDir {
 public:
  // Removes leftovers, then makes and locks a new directory. An Error names
  // the directory when it cannot be made.
  ExportDir();
  // As remove().
  ~ExportDir();
  ExportDir(const ExportDir&) = delete;
  ExportDir& operator=(const ExportDir&) = delete;

  const std::string& path() const { return path_; }

  // Removes the directory's files and the directory, then drops the lock.
  // Unmount what is mounted in it first.
  void remove() noexcept;

 private:
  std::string path_;
  Fd lock_;
};

// The name prefix of export directories ("pv2luks-qcow2-").
inline constexpr const char* kExportDirPrefix = "pv2luks-qcow2-";

// Removes the leftovers in `parent` as described above; returns how many.
int remove_stale_export_dirs(const std::string& parent);

}  // namespace pv2luks
