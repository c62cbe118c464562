#include "offline/guest_config.h"

#include "base/error.h"
#include "offline/guest_helper.h"

namespace pv2luks {

void check_guest_config_available() { guest_helper_path(); }

GuestFacts probe_guest(const std::string& image, ImageFormat format, const MessageFn& say) {
  say("guest: inspecting the guest OS in " + image + " with libguestfs, read-only");
  GuestReply reply =
      run_guest_helper({"probe", "--format", format_name(format), "--image", image}, {}, say);
  if (!reply.facts) Fail() << kGuestHelperName << " probe ended without the guest's facts";
  return std::move(*reply.facts);
}

std::vector<std::string> configure_guest(const std::string& image, ImageFormat format,
                                         const std::string& luks_uuid,
                                         const GuestConfigInput& input, const MessageFn& say) {
  if (input.probed) {
    const std::string name = "luks-" + luks_uuid;
    const GuestDecision decision = decide_guest(*input.probed, name, luks_uuid);
    if (!decision.configure) return decision.notes;  // nothing to do inside
  }
  say("guest: opening the converted image with libguestfs to configure the guest");
  // The helper takes the passphrase without passphrase_c_string's NUL.
  if (input.key.empty()) Fail() << "--guest-config: no passphrase for the guest's volume";
  const std::string_view passphrase(input.key.chars(), input.key.size_bytes() - 1);
  GuestReply reply = run_guest_helper({"configure", "--format", format_name(format), "--image",
                                       image, "--luks-uuid", luks_uuid},
                                      passphrase, say);
  if (reply.done.empty()) {
    Fail() << kGuestHelperName << " configure ended without saying what it did";
  }
  return std::move(reply.done);
}

}  // namespace pv2luks
