// The offline resume and status, and the end both the offline conversion and
// its resume share.
#pragma once

#include <optional>
#include <string>

#include "image/image_view.h"
#include "convert/run_stop.h"
#include "offline/guest_config.h"
#include "offline/userspace_move.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

// "the journal at the end of the PV's partition records the progress; run
// 'pv2luks resume --offline IMAGE' to finish"
std::string offline_resume_hint(const std::string& image);

// Runs the offline mover to the end. nullopt when it finished; otherwise the
// result to return: stopped (by a signal or the progress callback), or
// failed (with how to resume).
std::optional<ConvertResult> move_offline(OfflineMoveState& state, const RunStop& stop,
                                          const std::string& image);

// Continues an offline conversion from its journal (resume_conversion calls
// this when options.offline is set).
ConvertResult resume_offline(const ResumeOptions& options, const MessageFn& say,
                             const ProgressFn& progress);

// After the header is durable: closes the image (a qcow2 image's export is
// flushed and stopped) and reports the crypttab line and what the guest
// still needs. With `guest` (--guest-config) it then configures the guest in
// the closed image (libguestfs opens the image itself, a qcow2 one as qcow2).
// kFailed, saying the conversion itself is complete, when the close or the
// guest configuration fails.
ConvertResult finish_offline(ImageView image, const std::string& luks_uuid, const MessageFn& say,
                             const GuestConfigInput* guest = nullptr);

}  // namespace pv2luks
