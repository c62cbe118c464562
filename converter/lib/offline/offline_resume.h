// The end both the offline conversion and its resume share.
#pragma once

#include <string>

#include "image/image_view.h"
#include "offline/guest_config.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

// After the header is durable: closes the image (a qcow2 image's export is
// flushed and stopped) and reports the crypttab line and what the guest
// still needs. With `guest` (--guest-config) it then configures the guest in
// the closed image (libguestfs opens the image itself, a qcow2 one as qcow2).
// kFailed, saying the conversion itself is complete, when the close or the
// guest configuration fails.
ConvertResult finish_offline(ImageView image, const std::string& luks_uuid, const MessageFn& say,
                             const GuestConfigInput* guest = nullptr);

}  // namespace pv2luks
