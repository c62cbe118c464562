// Finding and running pv2luks-guest-config, the executable that does
// --guest-config's libguestfs work (converter/guestfs/), so that pv2luks
// itself links no libguestfs: its package pulls no QEMU, libvirt or supermin
// onto a server, and the initramfs that carries it stays small. The helper
// comes in a package of its own, pv2luks-guest-config, as
// /usr/libexec/pv2luks/pv2luks-guest-config.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "offline/guest_reply.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

inline constexpr char kGuestHelperName[] = "pv2luks-guest-config";

// Where the helper is: beside this process's executable (a build tree:
// build/converter/pv2luks and build/converter/pv2luks-guest-config), else in
// ../libexec/pv2luks/ from it (installed: /usr/sbin/pv2luks and
// /usr/libexec/pv2luks/; the relative path follows CMAKE_INSTALL_SBINDIR and
// CMAKE_INSTALL_LIBEXECDIR). An Error naming the package to install when
// neither has it.
std::string guest_helper_path();

// Runs the helper with `args`, `input` on its standard input (the passphrase
// travels there only: never in argv or the environment, which other
// processes can read), and reads its reply. Its say records go to `say`. An
// Error with the helper's own message when it failed, and one saying so when
// it ended without a well-formed reply.
GuestReply run_guest_helper(const std::vector<std::string>& args, std::string_view input,
                            const MessageFn& say);

}  // namespace pv2luks
