// A TPM 2.0 enrolment of a LUKS2 header being prepared in memory: a
// systemd-tpm2 token and its keyslot, made by systemd-cryptenroll (the
// format systemd-cryptsetup, dracut and cryptsetup's token plugin read), so
// the volume unlocks at boot with nobody typing.
#pragma once

#include <string>

#include "base/memory_file.h"
#include "base/secure_buffer.h"

namespace pv2luks {

struct Tpm2Choice {
  std::string device;  // "auto" or a TPM's character device (/dev/tpmrm0)
  std::string pcrs;    // systemd-cryptenroll's list, e.g. "7" or "0+7"; "" for none
};

// What keeps `choice` from being enrolled on this machine ("" when nothing):
// no systemd-cryptenroll, no TPM 2.0 device, a PCR list it would refuse.
// Reads /dev; writes nothing.
std::string tpm2_problem(const Tpm2Choice& choice);

// Adds the token and a keyslot to the LUKS2 header in `header`, unlocking
// it with `unlock_key` (a keyslot's passphrase). The key reaches
// systemd-cryptenroll as a file it opens: a memfd whose pages are locked,
// wiped and closed when it is done; never argv, the environment or a file
// on a disk. An Error with systemd-cryptenroll's message when it fails.
void enrol_tpm2(const MemoryFile& header, const SecureBuffer& unlock_key,
                const Tpm2Choice& choice);

}  // namespace pv2luks
