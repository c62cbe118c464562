// Resume and status: continuing a conversion from its journal.
//
// Two cases, one path. After a power cut nothing is active: resume creates
// crypt_full and the intermediate device in the state the journal records
// and moves on. After the converter alone died (SIGKILL, a crash) the LVs
// still run on the live intermediate device: resume reloads it in the
// recorded state, which maps every sector where the disk has it, and moves
// on. Either way the chunk in flight is redone from its plaintext source.
#pragma once

#include <string>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

// "the journal at the end of DEVICE records the progress; run 'pv2luks
// resume DEVICE' to finish"
std::string resume_hint(const std::string& device);

}  // namespace pv2luks
