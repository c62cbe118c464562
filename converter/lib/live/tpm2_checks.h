// Whether a live conversion with --tpm2-device can leave a machine that
// unlocks by itself: checked before anything is written.
#pragma once

#include <sys/types.h>

#include <string>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

// What the boot stack of the system whose root is `root` lacks to unlock a
// systemd-tpm2 token in its initramfs ("" when nothing): dracut with its
// tpm2-tss module can; initramfs-tools (its cryptroot script reads no
// tokens) and an unknown tool cannot. Reads `root`'s file system only.
std::string initramfs_tpm2_problem(const std::string& root = "/");

// Refuses (an Error naming what to do) options.tpm2_device when the
// conversion could leave a machine waiting for a passphrase nobody knows,
// or could not be done: LUKS1 (no tokens), --key-file beside it, no
// recovery key file, no TPM or systemd-cryptenroll, and a PV (number
// `rdev`) holding the running / or /usr whose initramfs cannot unlock by
// TPM. Nothing when options.tpm2_device is empty, but --tpm2-pcrs or
// --recovery-key-file alone are refused too.
void refuse_tpm2_problems(const ConvertOptions& options, dev_t rdev);

}  // namespace pv2luks
