#include "base/memory_lock.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "base/errno_text.h"
#include "base/error.h"

namespace pv2luks {

void lock_all_memory() {
  if (::mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    Fail() << "cannot lock pv2luks's memory before suspending devices (mlockall: "
           << errno_text(errno) << "; it needs root or CAP_IPC_LOCK)";
  }
}

}  // namespace pv2luks
