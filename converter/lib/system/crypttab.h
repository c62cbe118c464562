// /etc/crypttab: the line for the converted volume, and adding it to the
// file without losing what is there.
#pragma once

#include <string>

namespace pv2luks {

// "NAME UUID=UUID none luks": unlocked at boot with a passphrase prompt;
// with `tpm2`, "luks,tpm2-device=auto": by the TPM (systemd-cryptsetup),
// with the prompt for the recovery key when that fails.
std::string crypttab_line(const std::string& name, const std::string& uuid, bool tpm2 = false);

// The file's text with `line` added. Unchanged when a line with the same
// name and source is there; an Error when another line already uses the name
// or the UUID (the admin must choose), or `line` has no name and source. Pure.
std::string crypttab_with(const std::string& text, const std::string& line);

// Adds `line` to the crypttab at `path` (created 0644 if missing), replacing
// the file atomically: a new file beside it, fsync'ed, renamed over it, and
// the directory fsync'ed. Keeps the old file's mode. Returns false when the
// line was already there.
bool add_to_crypttab(const std::string& path, const std::string& line);

}  // namespace pv2luks
