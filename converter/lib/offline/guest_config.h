// --guest-config: make the converted guest boot from its LUKS volume, through
// libguestfs (an appliance VM that runs the guest's own tools).
//
//   probe      before the conversion, read-only on the plaintext image: the
//              one guest OS, its distribution, whether it has
//              update-initramfs and cryptsetup-initramfs. A Debian or Ubuntu
//              guest without them is refused before anything is written.
//   configure  after the header is durable and the image closed: open the
//              LUKS volume in the appliance (the passphrase goes over
//              libguestfs's protocol only), activate LVM, mount the guest's
//              file systems, add the crypttab line to its /etc/crypttab
//              (atomically: a new file renamed over it, mode and owner kept),
//              run 'update-initramfs -u -k all' in it, and check that every
//              initramfs now lists the volume in its cryptroot/crypttab.
// Other guests are left untouched, and the result says exactly what was not
// done and what their own tools need.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "image/image_format.h"
#include "luks/secure_buffer.h"
#include "offline/guest_rules.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

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
