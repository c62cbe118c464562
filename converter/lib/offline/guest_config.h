// --guest-config: make the converted guest boot from its LUKS volume. The
// libguestfs work (an appliance VM that runs the guest's own tools) is done
// by pv2luks-guest-config (offline/guest_helper.h, converter/guestfs/), so
// pv2luks itself links no libguestfs; here it is asked, and its answers
// checked.
//
//   probe      before the conversion, read-only on the plaintext image: the
//              one guest OS, its distribution, whether it has
//              update-initramfs and cryptsetup-initramfs. A Debian or Ubuntu
//              guest without them is refused before anything is written.
//   configure  after the header is durable and the image closed: inside the
//              guest, the crypttab line added to its /etc/crypttab and
//              'update-initramfs -u -k all' run, and every initramfs checked
//              to list the volume (converter/guestfs/guest_inside.h). The
//              passphrase goes to the helper over a pipe only.
// Other guests are left untouched, and the result says exactly what was not
// done and what their own tools need.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "image/image_format.h"
#include "base/secure_buffer.h"
#include "offline/guest_rules.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

// An Error, naming the package to install, when --guest-config cannot run
// here (no pv2luks-guest-config): for the checks before anything is written.
void check_guest_config_available();

// The facts of the one guest OS in the plaintext image `image`. An Error when
// libguestfs cannot start, or finds no operating system or more than one.
GuestFacts probe_guest(const std::string& image, ImageFormat format, const MessageFn& say);

struct GuestConfigInput {
  SecureBuffer key;                  // the passphrase and a NUL (passphrase_c_string)
  std::optional<GuestFacts> probed;  // probe_guest's facts, when it ran
};

// Configures the guest in the converted `image` for the LUKS volume
// `luks_uuid` (crypttab name luks-UUID). Returns the lines saying what was
// done, or, for a guest it does not configure, what was not. An Error when a
// step fails; the disk's conversion is complete either way.
std::vector<std::string> configure_guest(const std::string& image, ImageFormat format,
                                         const std::string& luks_uuid,
                                         const GuestConfigInput& input, const MessageFn& say);

}  // namespace pv2luks
