// Replacing a small system file (crypttab, a dracut.conf.d snippet) so that
// a crash leaves either the old or the new text, never a torn file.
#pragma once

#include <sys/types.h>

#include <string>

namespace pv2luks {

// Writes `text` to `path` with `mode`: a new file beside it
// (PATH.pv2luks-new), fsync'ed, renamed over it, and the directory fsync'ed.
// Error naming the file on failure (the new file removed).
void replace_file(const std::string& path, const std::string& text, mode_t mode);

}  // namespace pv2luks
