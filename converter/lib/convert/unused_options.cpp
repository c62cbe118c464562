#include "convert/unused_options.h"

namespace pv2luks {

namespace {

const char kOfflineCrypttab[] =
    " is for live conversions; offline, --guest-config adds the crypttab line inside the guest";

// What only an offline conversion uses, in a live one.
std::string offline_only(std::uint32_t partition, bool guest_config, bool sparse = false) {
  if (partition != 0) return "--partition needs --offline (a live PV is named by its device)";
  if (guest_config) return "--guest-config needs --offline";
  if (sparse) return "--sparse needs --offline (it is for disk images)";
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

// The policy any run checks; `suspends`: the run suspends dm devices.
std::string policy_problem(const ProcessPolicy& policy, bool suspends, const std::string& run) {
  if (policy.deferred_signal && !policy.defer_signals) {
    return "ProcessPolicy::deferred_signal is set but defer_signals is not: no signal is "
           "deferred, so none would reach it; set both or neither";
  }
  if (suspends && !policy.lock_memory) {
    return run + " suspends device-mapper devices, and a page fault on a suspended device waits "
           "forever: set ProcessPolicy::lock_memory (pv2luks.h) to let it lock the process's "
           "memory first, as the pv2luks CLI does";
  }
  return "";
}

std::string live_convert_problem(const ConvertOptions& options) {
  if (options.offline) {
    return "ConvertOptions::offline is set, but convert_live converts live: call "
           "convert_offline for an image (the CLI's convert --offline)";
  }
  if (std::string unused = offline_only(options.partition, options.guest_config, options.sparse);
      !unused.empty()) {
    return unused;
  }
  return policy_problem(options.process, !options.dry_run, "a live conversion");
}

std::string offline_convert_problem(const ConvertOptions& options) {
  if (!options.offline) {
    return "ConvertOptions::offline is not set, but convert_offline converts an image or an "
           "unused device offline: set it, or call convert_live for a PV in use";
  }
  if (options.force) {
    return "--force is for live conversions (of a PV that holds the running / or /usr)";
  }
  if (std::string unused = live_only(options.update_crypttab, options.crypttab_path);
      !unused.empty()) {
    return unused;
  }
  if (!options.tpm2_device.empty() || !options.recovery_key_file.empty() ||
      options.tpm2_pcrs != ConvertOptions{}.tpm2_pcrs) {
    return "--tpm2-device, --tpm2-pcrs and --recovery-key-file are for live conversions: an "
           "image's TPM is that of the machine that boots it, so enrol it there (systemd-"
           "cryptenroll --tpm2-device=auto), or convert there live at its first boot";
  }
  return policy_problem(options.process, false, "an offline conversion");
}

}  // namespace

std::string unused_option(const ConvertOptions& options, Mode entry) {
  return entry == Mode::kLive ? live_convert_problem(options) : offline_convert_problem(options);
}

std::string unused_option(const ConvertOptions& options) {
  return unused_option(options, options.offline ? Mode::kOffline : Mode::kLive);
}

std::string unused_option(const ResumeOptions& options) {
  if (options.token_only && options.key_file) {
    return "--token-only opens by the TPM2 token, --key-file by a passphrase: leave one out";
  }
  if (options.token_only && options.disable_external_tokens) {
    return "--token-only opens by the TPM2 token only, --disable-external-tokens never tries it: "
           "leave one out";
  }
  if (!options.offline) {
    if (std::string unused = offline_only(options.partition, options.guest_config);
        !unused.empty()) {
      return unused;
    }
    if (options.activate_only && options.max_rate_bytes != 0) {
      return "--max-rate paces a move, and --activate-only moves nothing: leave one out";
    }
    return policy_problem(options.process, true, "a live resume");
  }
  if (options.activate_only) return "--activate-only is for live conversions, not --offline";
  if (options.token_only) return "--token-only is for live conversions, not --offline";
  if (std::string unused = live_only(options.update_crypttab, options.crypttab_path);
      !unused.empty()) {
    return unused;
  }
  return policy_problem(options.process, false, "an offline resume");
}

std::string unused_option(const FlattenOptions& options) {
  return policy_problem(options.process, true, "flatten and unflatten");
}

}  // namespace pv2luks
