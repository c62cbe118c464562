// pv2luks.h's flatten_vg, unflatten_vg and flatten_status: the stack found,
// checked, the key obtained, the records kept, the tables swapped under the
// VG's LVM lock.
#include <algorithm>
#include <iterator>

#include "base/error.h"
#include "base/test_point.h"
#include "convert/result.h"
#include "convert/unused_options.h"
#include "device/block_device.h"
#include "dm/dm_device.h"
#include "flatten/flatten_guard.h"
#include "flatten/flatten_live.h"
#include "flatten/flatten_state.h"
#include "base/kernel_key.h"
#include "luks/activate.h"
#include "luks/header.h"
#include "luks/passphrase.h"
#include "lvm/vg_lock.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {
namespace {

std::vector<LvLayer> lvs_where(const LiveStack& stack, bool flat) {
  std::vector<LvLayer> lvs;
  std::copy_if(stack.lvs.begin(), stack.lvs.end(), std::back_inserter(lvs),
               [&](const LvLayer& lv) { return is_flattened(lv) == flat; });
  return lvs;
}

FlattenState state_of(const LiveStack& stack) {
  FlattenState state;
  state.vg = stack.vg;
  state.crypt = stack.crypt.name;
  state.crypt_open = stack.crypt_open();
  state.luks_device = stack.luks_device;
  for (const LvLayer& lv : stack.lvs) {
    (is_flattened(lv) ? state.flattened_lvs : state.layered_lvs).push_back(lv.name);
  }
  state.guard = !stack.crypt.name.empty() && guard_exists(stack.crypt.name);
  state.tagged = !stack.vg.empty() && stack.crypt_open() && vg_tagged(stack.vg);
  return state;
}

SecureBuffer volume_key_from_header(const LiveStack& stack,
                                    const std::optional<std::string>& key_file,
                                    const MessageFn& say) {
  say("the volume key comes from the LUKS header on " + stack.luks_device);
  const SecureBuffer passphrase =
      read_passphrase(passphrase_source(key_file), PassphrasePurpose::kExisting,
                      "Enter passphrase for " + stack.luks_device + ": ");
  return unlock_volume_key(stack.luks_device, passphrase);
}

// The volume key: from the crypt table when the kernel prints its bytes
// (LUKS1, or LUKS2 opened without the keyring) and the header's digest
// accepts them, else from the header with the passphrase.
SecureBuffer volume_key_of(const LiveStack& stack, const std::optional<std::string>& key_file,
                           const MessageFn& say) {
  SecureBuffer key = dm::crypt_key(stack.crypt.name);
  if (key.empty()) return volume_key_from_header(stack, key_file, say);
  const bool luks = starts_with_luks_header(stack.luks_device);
  if (luks && !volume_key_matches(stack.luks_device, key)) {
    Fail() << stack.crypt.name << "'s table holds a key the LUKS header on " << stack.luks_device
           << " does not accept";
  }
  say("the volume key comes from " + stack.crypt.name + "'s live table" +
      (luks ? " (checked against the LUKS header)" : ""));
  return key;
}

// Why the open crypt device under `stack` cannot be flattened now, or "".
std::string crypt_refusal(const LiveStack& stack) {
  if (!stack.crypt_open()) {
    return "the crypt device of " + stack.luks_device + " was closed while its LVs were " +
           "flattened; run 'pv2luks unflatten NAME --key-file FILE' (NAME as it was opened) first";
  }
  if (stack.lvs.empty()) return stack.crypt.name + " holds no LVs: nothing to flatten";
  if (dm::info(stack.crypt.name).suspended) {
    return stack.crypt.name + " is suspended (cryptsetup luksSuspend?): resume it first";
  }
  if (starts_with_luks_header(stack.luks_device) && read_header(stack.luks_device).reencrypting) {
    return stack.luks_device + " is being reencrypted (cryptsetup reencrypt): finish that first";
  }
  return "";
}

std::string problems_text(const LayerPlan& plan) {
  std::string text;
  for (const std::string& problem : plan.problems) text += "\n  " + problem;
  return text;
}

void say_lines(const std::vector<std::string>& lines, const MessageFn& say) {
  for (const std::string& line : lines) say(line);
}

// After something was changed: kFailed, with what state it is in.
ConvertResult failed_after_change(const std::string& why, const std::string& vg) {
  return result_of(ConvertStatus::kFailed,
                   why + "; every LV is either flattened or layered (both read the same bytes): " +
                       "'pv2luks status " + vg + "' says which, 'pv2luks unflatten " + vg +
                       "' maps them all back");
}

ConvertResult flatten_checked(const LiveStack& stack, const FlattenOptions& options,
                              const MessageFn& say) {
  const std::optional<std::string>& key_file = options.key_file;
  // Every problem before a passphrase is asked or anything is written: the
  // placeholder key is never loaded.
  if (const LayerPlan check =
          plan_flatten(stack.crypt, lvs_where(stack, false), KeyRef::keyring(64, "check"));
      !check.ok()) {
    return refused("VG " + stack.vg + " cannot be flattened:" + problems_text(check));
  }
  const SecureBuffer volume_key = volume_key_of(stack, key_file, say);
  // In this thread's keyring while the tables load; dm-crypt keeps its own copy.
  const KernelKey key("pv2luks:flatten:" + stack.crypt.name, volume_key);
  create_guard(stack.crypt);
  try {
    // Durable: the VG tag, in LVM's metadata, before any table changes.
    tag_vg(stack.vg, true);
  } catch (const Error& e) {
    remove_guard(stack.crypt.name);
    return refused(e);
  }
  try {
    const VgLock lock(stack.vg);
    // Planned again from the tables under the lock: no lvm command can
    // change them before the swaps are done.
    const LiveStack now = find_stack(stack.crypt.name);
    LayerPlan plan = plan_flatten(now.crypt, lvs_where(now, false),
                                  KeyRef::keyring(volume_key.size_bytes(), key.description()));
    // Negative control for the tests: the first LV's first segment with its
    // IV offset skewed, as a wrong flatten would make it.
    if (const auto skew = test_hook(TestHook::FlattenIvSkew); skew && !plan.tables.empty()) {
      std::get<CryptParams>(plan.tables[0].second.targets[0].params).iv_offset_sectors += *skew;
    }
    for (const std::string& lv : swap_tables(plan, options.process)) say("flattened " + lv);
  } catch (const Error& e) {
    return failed_after_change(e.what(), stack.vg);
  }
  say("WARNING: VG " + stack.vg + " is flattened: its LVs bypass " + stack.crypt.name +
      ", which LVM still sees as the PV; the guard device " + guard_name(stack.crypt.name) +
      " keeps it open. Run 'pv2luks unflatten " + stack.vg + "' before any LVM change " +
      "(lvextend, lvcreate, pvmove): an LVM command that reloads an LV maps it onto " +
      stack.crypt.name + " again. 'cryptsetup luksSuspend' no longer stops the LVs' I/O. " +
      "A reboot unflattens (the VG tag " + kFlattenedTag + " stays until 'pv2luks unflatten').");
  return result_of(ConvertStatus::kDone, "");
}

// Opens the LUKS device again (it was closed while flattened) as the name
// the caller gave, as cryptsetup would; returns the stack with it.
LiveStack reopened(const LiveStack& stack, const std::optional<std::string>& key_file,
                   const MessageFn& say) {
  activate_with_volume_key(stack.luks_device, stack.crypt.name,
                           volume_key_from_header(stack, key_file, say));
  say("reopened " + stack.luks_device + " as " + stack.crypt.name);
  return find_stack(stack.crypt.name);
}

ConvertResult unflatten_found(LiveStack stack, const FlattenOptions& options,
                              const MessageFn& say) {
  const std::optional<std::string>& key_file = options.key_file;
  const bool reopen = !stack.crypt_open();
  if (reopen) {
    if (stack.crypt.name.empty()) {
      return refused("the crypt device of " + stack.luks_device + " was closed while its LVs " +
                     "were flattened; name it (as it was opened) to reopen it: " +
                     "'pv2luks unflatten NAME --key-file FILE'");
    }
    stack = reopened(stack, key_file, say);
  }
  const std::string vg = stack.vg.empty() ? stack.crypt.name : stack.vg;
  // Every problem before anything is changed (unless the crypt device had
  // to be reopened): a segment unflatten would map wrongly is refused.
  if (const LayerPlan check = plan_unflatten(stack.crypt, lvs_where(stack, true));
      !check.ok() && !reopen) {
    return refused("VG " + vg + " cannot be unflattened:" + problems_text(check));
  }
  try {
    if (!stack.vg.empty()) {
      const VgLock lock(stack.vg);
      const LiveStack now = find_stack(stack.crypt.name);
      for (const std::string& lv :
           swap_tables(plan_unflatten(now.crypt, lvs_where(now, true)), options.process)) {
        say("unflattened " + lv);
      }
    }
    remove_guard(stack.crypt.name);
    // Durable: the VG tag gone from LVM's metadata, after every table is layered.
    if (!stack.vg.empty() && vg_tagged(stack.vg)) tag_vg(stack.vg, false);
  } catch (const Error& e) {
    return failed_after_change(e.what(), vg);
  }
  say("VG " + vg + " is layered on " + stack.crypt.name);
  return result_of(ConvertStatus::kDone, "");
}

// Every flatten action works on the running system's dm tables.
template <typename Body>
ConvertResult guarded(Body body) {
  if (!dm::available()) {
    return refused("device-mapper is not available in this kernel (no device-mapper in "
                   "/proc/misc): flatten, unflatten and status VG|CRYPT read the running "
                   "system's dm tables (load the dm-mod module); for a disk image, use "
                   "'pv2luks status --offline IMAGE'");
  }
  try {
    return body();
  } catch (const Error& e) {
    return refused(e);
  }
}

}  // namespace

ConvertResult flatten_vg(const FlattenOptions& options, const MessageFn& say) {
  return guarded([&] {
    if (const std::string unused = unused_option(options); !unused.empty()) return refused(unused);
    const LiveStack stack = find_stack(options.target);
    if (const std::string why = crypt_refusal(stack); !why.empty()) return refused(why);
    const DeviceLock lock(inspect_block_device(stack.luks_device));
    if (lvs_where(stack, false).empty()) {
      say("VG " + stack.vg + " is already flattened");
      return result_of(ConvertStatus::kDone, "");
    }
    return flatten_checked(stack, options, say);
  });
}

ConvertResult unflatten_vg(const FlattenOptions& options, const MessageFn& say) {
  return guarded([&] {
    if (const std::string unused = unused_option(options); !unused.empty()) return refused(unused);
    const LiveStack stack = find_stack(options.target);
    const DeviceLock lock(inspect_block_device(stack.luks_device));
    return unflatten_found(stack, options, say);
  });
}

ConvertResult flatten_status(const std::string& target, const MessageFn& say) {
  return guarded([&] {
    if (!target.empty()) {
      say_lines(describe_flatten_state(state_of(find_stack(target))), say);
      return result_of(ConvertStatus::kDone, "");
    }
    std::vector<LiveStack> stacks = scan_stacks();
    std::erase_if(stacks, [](const LiveStack& stack) { return stack.vg.empty(); });
    if (stacks.empty()) return refused("no LVM-on-LUKS stack (no crypt device under a VG)");
    for (const LiveStack& stack : stacks) say_lines(describe_flatten_state(state_of(stack)), say);
    return result_of(ConvertStatus::kDone, "");
  });
}

}  // namespace pv2luks
