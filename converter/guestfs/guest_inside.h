// --guest-config's work inside the image, through libguestfs (an appliance VM
// that runs the guest's own tools). Part of pv2luks-guest-config only: pv2luks
// itself links no libguestfs and runs that helper (offline/guest_config.h).
//
//   probe      before the conversion, read-only on the plaintext image: the
//              one guest OS, its distribution, whether it has
//              update-initramfs and cryptsetup-initramfs.
//   configure  after the header is durable and the image closed: open the
//              LUKS volume in the appliance (the passphrase goes over
//              libguestfs's protocol only), activate LVM, mount the guest's
//              file systems, add the crypttab line to its /etc/crypttab
//              (atomically: a new file renamed over it, mode and owner kept),
//              run 'update-initramfs -u -k all' in it, and check that every
//              initramfs now lists the volume in its cryptroot/crypttab.
//              A guest it does not configure (offline/guest_rules.h) is left
//              untouched, and the lines returned say what was not done.
#pragma once

#include <string>
#include <vector>

#include "image/image_format.h"
#include "base/secure_buffer.h"
#include "offline/guest_rules.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

// The facts of the one guest OS in the plaintext image `image`. An Error when
// libguestfs cannot start, or finds no operating system or more than one.
GuestFacts probe_inside(const std::string& image, ImageFormat format);

// Configures the guest in the converted `image` for the LUKS volume
// `luks_uuid` (crypttab name luks-UUID); `key` is the passphrase and a NUL
// (passphrase_c_string). Returns the lines saying what was done, or, for a
// guest it does not configure, what was not. An Error when a step fails.
std::vector<std::string> configure_inside(const std::string& image, ImageFormat format,
                                          const std::string& luks_uuid, const SecureBuffer& key,
                                          const MessageFn& say);

}  // namespace pv2luks
