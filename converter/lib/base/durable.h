// Making what was written durable: fsync of a file by its path, and of the
// directory that holds a file (so a file created or renamed there is found
// after a crash, not only its bytes).
#pragma once

#include <string>

namespace pv2luks {

// fsync of the file (or directory) at `path`. Error naming it on failure.
void fsync_path(const std::string& path);

// fsync of the directory holding `path` (relative paths: the current
// directory's). Error naming the directory on failure.
void fsync_directory_of(const std::string& path);

}  // namespace pv2luks
