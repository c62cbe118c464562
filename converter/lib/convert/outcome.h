// How a mover's run ended, when it did not throw.
#pragma once

namespace pv2luks {

enum class MoveOutcome {
  kFinished,  // the device is a LUKS volume and the journal is wiped
  kStopped,   // stop() asked; the chunk in flight was committed first
};

}  // namespace pv2luks
