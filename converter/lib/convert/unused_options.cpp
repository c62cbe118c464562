#include "convert/unused_options.h"

namespace pv2luks {

namespace {

const char kOfflineCrypttab[] =
    " is for live conversions; offline, --guest-config adds the crypttab line inside the guest";

// What only an offline conversion uses, in a live one.
std::string offline_only(std::uint32_t partition, bool guest_config) {
  if (partition != 0) return "--partition needs --offline (a live PV is named by its device)";
  if (guest_config) return "--guest-config needs --offline";
  return "";
}

// The crypttab options, in an offline conversion.
std::string live_only(bool update_crypttab, const std::string& crypttab_path) {
  if (update_crypttab) return std::string("--update-crypttab") + kOfflineCrypttab;
  if (crypttab_path != ConvertOptions{}.crypttab_path) {
    return std::string("--crypttab") + kOfflineCrypttab;
  }
  return "";
}

}  // namespace

std::string unused_option(const ConvertOptions& options) {
  if (!options.offline) return offline_only(options.partition, options.guest_config);
  return live_only(options.update_crypttab, options.crypttab_path);
}

std::string unused_option(const ResumeOptions& options) {
  if (!options.offline) return offline_only(options.partition, options.guest_config);
  if (options.activate_only) return "--activate-only is for live conversions, not --offline";
  return live_only(options.update_crypttab, options.crypttab_path);
}

}  // namespace pv2luks
