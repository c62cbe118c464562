// Locking all of pv2luks's memory before it suspends a dm device. While the
// root LV (or the device under it) is suspended, a page fault that has to
// read from it (pv2luks's own binary and libraries live on that file system)
// waits forever. lvm2 locks its memory around suspends for the same reason.
#pragma once

namespace pv2luks {

// mlockall(MCL_CURRENT | MCL_FUTURE): what is mapped now is read in and
// locked, and so is what is mapped later. Never undone: the process ends
// soon after, and munlockall would unlock the key buffers too. Error naming
// the cause when the kernel refuses.
void lock_all_memory();

}  // namespace pv2luks
