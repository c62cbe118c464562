#include "flatten/flatten_live.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "base/error.h"
#include "base/words.h"
#include "flatten/layer_parse.h"
#include "base/memory_lock.h"
#include "dm/remap.h"
#include "base/signals.h"

namespace pv2luks {
namespace {

// The /dev node of block device "MAJ:MIN", from sysfs (no udev needed).
std::string device_path(const std::string& number) {
  std::ifstream uevent("/sys/dev/block/" + number + "/uevent");
  for (std::string line; std::getline(uevent, line);) {
    if (line.rfind("DEVNAME=", 0) == 0) return "/dev/" + line.substr(8);
  }
  Fail() << "block device " << number << " has no /dev name in sysfs";
}

struct DmDevice {
  std::string name;
  std::string uuid;
  std::string number;  // "MAJ:MIN"
  std::vector<dm::KernelTarget> table;
};

bool is_lv(const DmDevice& device) { return device.uuid.rfind("LVM-", 0) == 0; }

// The disk of `device`'s first target when it is a crypt target, else "".
// Read loosely: a crypt device flatten refuses (several segments, integrity)
// is still a stack, so the refusal can say why.
std::string crypt_disk(const DmDevice& device) {
  if (device.table.empty() || device.table[0].type != "crypt") return "";
  const std::vector<std::string> words = words_of(device.table[0].params);
  return words.size() >= 5 ? words[3] : "";
}

// Whether any target of `device` maps onto device number `number`.
bool maps_onto(const DmDevice& device, const std::string& number) {
  return std::any_of(device.table.begin(), device.table.end(), [&](const dm::KernelTarget& t) {
    std::string problem;
    if (const auto linear = parse_linear_target(t, problem)) return linear->device == number;
    if (const auto crypt = parse_crypt_target(t, problem)) return crypt->device == number;
    return false;
  });
}

std::vector<DmDevice> read_devices() {
  std::vector<DmDevice> devices;
  for (const std::string& name : dm::list_devices()) {
    const dm::DeviceInfo info = dm::info(name);
    if (!info.exists) continue;
    devices.push_back({name, info.uuid, std::to_string(info.major) + ":" + std::to_string(info.minor),
                       dm::table(name)});
  }
  std::sort(devices.begin(), devices.end(),
            [](const DmDevice& a, const DmDevice& b) { return a.name < b.name; });
  return devices;
}

LiveStack stack_of(const std::vector<DmDevice>& devices, const DmDevice* crypt,
                   const std::string& disk) {
  LiveStack stack;
  stack.disk_number = disk;
  stack.luks_device = device_path(disk);
  if (crypt) stack.crypt = {crypt->name, crypt->number, crypt->table};
  for (const DmDevice& device : devices) {
    if (!is_lv(device)) continue;
    if ((crypt && maps_onto(device, crypt->number)) || maps_onto(device, disk)) {
      if (stack.vg.empty()) stack.vg = vg_of_dm_name(device.name);
    }
  }
  // Every LV device of that VG, also those on other devices (a snapshot on
  // its -real and -cow devices, a thin LV on its pool, an LV on another
  // PV), so that the planner refuses what it cannot flatten.
  for (const DmDevice& device : devices) {
    if (is_lv(device) && !stack.vg.empty() && vg_of_dm_name(device.name) == stack.vg) {
      stack.lvs.push_back({device.name, device.table});
    }
  }
  return stack;
}

std::string names_of(const std::vector<LiveStack>& stacks) {
  std::string text;
  for (const LiveStack& stack : stacks) {
    text += (text.empty() ? "" : ", ") +
            (stack.crypt_open() ? stack.crypt.name : "(closed) on " + stack.luks_device) +
            (stack.vg.empty() ? "" : " (VG " + stack.vg + ")");
  }
  return text.empty() ? "none" : text;
}

}  // namespace

bool is_flattened(const LvLayer& lv) { return !lv.table.empty() && lv.table[0].type == "crypt"; }

std::vector<LiveStack> scan_stacks() {
  const std::vector<DmDevice> devices = read_devices();
  std::vector<LiveStack> stacks;
  std::vector<std::string> disks_with_crypt;
  for (const DmDevice& device : devices) {
    if (is_lv(device)) continue;  // a flattened LV is crypt on the disk too
    const std::string disk = crypt_disk(device);
    if (disk.empty()) continue;
    stacks.push_back(stack_of(devices, &device, disk));
    disks_with_crypt.push_back(disk);
  }
  // Flattened LVs whose crypt device was closed: grouped by their disk.
  std::set<std::string> orphan_disks;
  for (const DmDevice& device : devices) {
    if (!is_lv(device)) continue;
    if (const std::string disk = crypt_disk(device); !disk.empty()) orphan_disks.insert(disk);
  }
  for (const std::string& disk : orphan_disks) {
    if (std::find(disks_with_crypt.begin(), disks_with_crypt.end(), disk) == disks_with_crypt.end()) {
      stacks.push_back(stack_of(devices, nullptr, disk));
    }
  }
  return stacks;
}

LiveStack find_stack(const std::string& target) {
  const std::vector<LiveStack> stacks = scan_stacks();
  std::vector<LiveStack> matches;
  for (const LiveStack& stack : stacks) {
    // Unnamed, only stacks with a VG: not an encrypted swap beside it.
    if ((target.empty() && !stack.vg.empty()) || stack.crypt.name == target || stack.vg == target) {
      matches.push_back(stack);
    }
  }
  if (matches.empty() && !target.empty()) {
    // A closed crypt device is known only by the name the caller gives it.
    for (const LiveStack& stack : stacks) {
      if (!stack.crypt_open()) matches.push_back(stack);
    }
    if (matches.size() == 1) matches[0].crypt.name = target;
  }
  if (matches.size() != 1) {
    Fail() << (matches.empty() ? "no LVM-on-LUKS stack is named '" + target + "'"
                               : "several LVM-on-LUKS stacks match" +
                                     (target.empty() ? std::string() : " '" + target + "'"))
           << " (there are: " << names_of(stacks) << "); name the VG or the crypt device";
  }
  return matches[0];
}

std::vector<std::string> swap_tables(const LayerPlan& plan, const ProcessPolicy& policy) {
  if (!plan.ok()) {
    std::string text;
    for (const std::string& problem : plan.problems) text += "\n  " + problem;
    Fail() << "the tables cannot be swapped:" << text;
  }
  if (!policy.lock_memory) {
    Fail() << "flattening suspends each LV it swaps: set ProcessPolicy::lock_memory";
  }
  lock_all_memory();
  const SignalsDeferred deferred(policy.defer_signals, policy.deferred_signal);
  std::vector<std::string> done;
  for (const auto& [name, table] : plan.tables) {
    try {
      dm::load(name, to_kernel(table).targets());
      dm::suspend(name);  // I/O in flight completes on the old table
      dm::resume(name);   // the kernel maps NAME by the new table
    } catch (const Error& e) {
      // Never leave an LV suspended: either table maps the same bytes.
      if (dm::info(name).suspended) dm::resume(name);
      std::string swapped;
      for (const std::string& lv : done) swapped += " " + lv;
      Fail() << e.what() << " (swapped before it:" << (swapped.empty() ? " none" : swapped) << ")";
    }
    done.push_back(name);
  }
  return done;
}

}  // namespace pv2luks
