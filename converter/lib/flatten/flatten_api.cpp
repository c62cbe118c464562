// pv2luks.h's flatten_vg, unflatten_vg and flatten_status: the stack found,
// checked, the key obtained, the records kept, the tables swapped.
#include <algorithm>

#include "base/error.h"
#include "base/test_point.h"
#include "convert/result.h"
#include "device/block_device.h"
#include "flatten/flatten_guard.h"
#include "flatten/flatten_live.h"
#include "flatten/flatten_state.h"
#include "live/kernel_key.h"
#include "luks/header.h"
#include "luks/passphrase.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {
namespace {

bool is_flat(const LvLayer& lv) { return !lv.table.empty() && lv.table[0].type == "crypt"; }

std::vector<LvLayer> lvs_where(const LiveStack& stack, bool flat) {
  std::vector<LvLayer> lvs;
  std::copy_if(stack.lvs.begin(), stack.lvs.end(), std::back_inserter(lvs),
               [&](const LvLayer& lv) { return is_flat(lv) == flat; });
  return lvs;
}

FlattenState state_of(const LiveStack& stack) {
  FlattenState state;
  state.vg = stack.vg;
  state.crypt = stack.crypt.name;
  state.crypt_open = stack.crypt_open();
  state.luks_device = stack.luks_device;
  for (const LvLayer& lv : stack.lvs) {
    (is_flat(lv) ? state.flattened_lvs : state.layered_lvs).push_back(lv.name);
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
// (LUKS1, or LUKS2 opened without the keyring), else from the header.
SecureBuffer volume_key_of(const LiveStack& stack, const std::optional<std::string>& key_file,
                           const MessageFn& say) {
  SecureBuffer key = dm::crypt_key(stack.crypt.name);
  if (!key.empty()) {
    say("the volume key comes from " + stack.crypt.name + "'s live table");
    return key;
  }
  return volume_key_from_header(stack, key_file, say);
}

void say_lines(const std::vector<std::string>& lines, const MessageFn& say) {
  for (const std::string& line : lines) say(line);
}

// Flattens the stack's layered LVs; the stack was checked to be open.
ConvertResult flatten_checked(const LiveStack& stack, const std::optional<std::string>& key_file,
                              const MessageFn& say) {
  const std::vector<LvLayer> layered = lvs_where(stack, false);
  // Every problem before a passphrase is asked or anything is written: the
  // placeholder key is never loaded.
  if (const LayerPlan check = plan_flatten(stack.crypt, layered, KeyRef::keyring(64, "check"));
      !check.ok()) {
    std::string text;
    for (const std::string& problem : check.problems) text += "\n  " + problem;
    return refused("VG " + stack.vg + " cannot be flattened:" + text);
  }
  const SecureBuffer volume_key = volume_key_of(stack, key_file, say);
  // In this thread's keyring while the tables load; dm-crypt keeps its own copy.
  const KernelKey key("pv2luks:flatten:" + stack.crypt.name, volume_key);
  LayerPlan plan =
      plan_flatten(stack.crypt, layered, KeyRef::keyring(volume_key.size_bytes(), key.description()));
  // Negative control for the tests: the first LV's first segment with its IV
  // offset skewed, as a wrong flatten would make it.
  if (const auto skew = test_number("PV2LUKS_TEST_FLATTEN_IV_SKEW"); skew && !plan.tables.empty()) {
    std::get<CryptParams>(plan.tables[0].second.targets[0].params).iv_offset_sectors += *skew;
  }
  // Durable: the VG tag, in LVM's metadata, before any table changes.
  tag_vg(stack.vg, true);
  create_guard(stack.crypt);
  std::vector<std::string> done;
  try {
    done = swap_tables(plan);
  } catch (const Error& e) {
    return result_of(ConvertStatus::kFailed,
                     std::string(e.what()) + "; the LVs swapped before it are flattened, the " +
                         "others are not (both read the same bytes); 'pv2luks status " +
                         stack.vg + "' says which, 'pv2luks unflatten " + stack.vg +
                         "' maps them all back");
  }
  for (const std::string& lv : done) say("flattened " + lv);
  say("WARNING: VG " + stack.vg + " is flattened: its LVs bypass " + stack.crypt.name +
      ", which LVM still sees as the PV. Do not close it. Run 'pv2luks unflatten " + stack.vg +
      "' before any LVM change (lvextend, lvcreate, pvmove); an LVM command that reloads an LV " +
      "maps it onto " + stack.crypt.name + " again. A reboot unflattens (the VG tag " +
      kFlattenedTag + " stays until 'pv2luks unflatten').");
  return result_of(ConvertStatus::kDone, "");
}

template <typename Body>
ConvertResult guarded(Body body) {
  try {
    return body();
  } catch (const Error& e) {
    return refused(e.what());
  }
}

}  // namespace

ConvertResult flatten_vg(const FlattenOptions& options, const MessageFn& say) {
  return guarded([&] {
    const LiveStack stack = find_stack(options.target);
    if (!stack.crypt_open()) {
      return refused("the crypt device of " + stack.luks_device +
                     " was closed while its LVs were flattened; run 'pv2luks unflatten " +
                     stack.crypt.name + " --key-file FILE' first");
    }
    if (stack.lvs.empty()) return refused(stack.crypt.name + " holds no LVs: nothing to flatten");
    if (starts_with_luks_header(stack.luks_device) && read_header(stack.luks_device).reencrypting) {
      return refused(stack.luks_device + " is being reencrypted (cryptsetup reencrypt): finish " +
                     "that first");
    }
    const DeviceLock lock(inspect_block_device(stack.luks_device));
    if (lvs_where(stack, false).empty() && stack.flattened_lvs() > 0) {
      say("VG " + stack.vg + " is already flattened");
      tag_vg(stack.vg, true);
      create_guard(stack.crypt);
      return result_of(ConvertStatus::kDone, "");
    }
    return flatten_checked(stack, options.key_file, say);
  });
}

ConvertResult unflatten_vg(const FlattenOptions& options, const MessageFn& say) {
  return guarded([&] {
    LiveStack stack = find_stack(options.target);
    const DeviceLock lock(inspect_block_device(stack.luks_device));
    if (!stack.crypt_open()) {
      if (options.target.empty()) {
        return refused("the crypt device of " + stack.luks_device +
                       " was closed while its LVs were flattened; name it (as it was opened) " +
                       "to reopen it: 'pv2luks unflatten NAME --key-file FILE'");
      }
      reopen_crypt(stack, volume_key_from_header(stack, options.key_file, say));
      say("reopened " + stack.luks_device + " as " + stack.crypt.name);
    }
    for (const std::string& lv : swap_tables(plan_unflatten(stack.crypt, lvs_where(stack, true)))) {
      say("unflattened " + lv);
    }
    remove_guard(stack.crypt.name);
    // Durable: the VG tag gone from LVM's metadata, after every table is layered.
    if (!stack.vg.empty() && vg_tagged(stack.vg)) tag_vg(stack.vg, false);
    say("VG " + (stack.vg.empty() ? "(no LVs)" : stack.vg) + " is layered on " + stack.crypt.name);
    return result_of(ConvertStatus::kDone, "");
  });
}

ConvertResult flatten_status(const std::string& target, const MessageFn& say) {
  return guarded([&] {
    if (!target.empty()) {
      say_lines(describe_flatten_state(state_of(find_stack(target))), say);
      return result_of(ConvertStatus::kDone, "");
    }
    const std::vector<LiveStack> stacks = scan_stacks();
    if (stacks.empty()) return refused("no LVM-on-LUKS stack (no open dm-crypt device)");
    for (const LiveStack& stack : stacks) say_lines(describe_flatten_state(state_of(stack)), say);
    return result_of(ConvertStatus::kDone, "");
  });
}

}  // namespace pv2luks
