#include "flatten/flatten_live.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "base/error.h"
#include "base/test_point.h"
#include "flatten/layer_parse.h"
#include "live/kernel_key.h"
#include "live/remap.h"
#include "luks/header.h"

namespace pv2luks {
namespace {

// Swaps NAME's table: load, suspend (I/O in flight completes), resume.
void swap_table(const std::string& name, const DmTable& table) {
  dm::load(name, to_kernel(table).targets());
  dm::suspend(name);
  dm::resume(name);
}

// The device number "MAJ:MIN" of a crypt target's device field, which the
// kernel prints as MAJ:MIN.
dev_t device_of(const std::string& text) {
  unsigned major_number = 0;
  unsigned minor_number = 0;
  char end = 0;
  if (std::sscanf(text.c_str(), "%u:%u%c", &major_number, &minor_number, &end) != 2) {
    Fail() << "unexpected device " << text << " in a crypt table";
  }
  return makedev(major_number, minor_number);
}

// The /dev node of block device "MAJ:MIN", from sysfs (no udev needed).
std::string device_path(const std::string& number) {
  std::ifstream uevent("/sys/dev/block/" + number + "/uevent");
  for (std::string line; std::getline(uevent, line);) {
    if (line.rfind("DEVNAME=", 0) == 0) return "/dev/" + line.substr(8);
  }
  Fail() << "block device " << number << " has no /dev name in sysfs";
}

std::vector<std::string> swap_all(const LayerPlan& plan) {
  if (!plan.ok()) {
    std::string text;
    for (const std::string& problem : plan.problems) text += "\n  " + problem;
    Fail() << "nothing was changed:" << text;
  }
  std::vector<std::string> done;
  for (const auto& [name, table] : plan.tables) {
    swap_table(name, table);
    done.push_back(name);
  }
  return done;
}

}  // namespace

LiveStack read_live_stack(const std::string& crypt_name) {
  LiveStack stack;
  stack.crypt.name = crypt_name;
  const dev_t crypt_dev = dm::device_number(crypt_name);
  if (crypt_dev == 0) Fail() << crypt_name << ": no such device-mapper device";
  stack.crypt.device_number = dev_text(crypt_dev);
  stack.crypt.table = dm::table(crypt_name);
  if (stack.crypt.table.size() != 1) return stack;  // plan_* say why
  std::string problem;
  const auto crypt = parse_crypt_target(stack.crypt.table[0], problem);
  if (!crypt) return stack;
  stack.luks_device = device_path(crypt->device);
  // Two layers: the LVs hold the crypt device. Flattened: they hold its disk.
  std::vector<std::string> names = dm::holders_of(crypt_dev);
  for (const std::string& name : dm::holders_of(device_of(crypt->device))) {
    if (name != crypt_name) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) stack.lvs.push_back({name, dm::table(name)});
  return stack;
}

std::vector<std::string> flatten_stack(const LiveStack& stack, const SecureBuffer& passphrase) {
  const SecureBuffer volume_key = unlock_volume_key(stack.luks_device, passphrase);
  // In this thread's keyring while the tables load; dm-crypt keeps its own copy.
  const KernelKey key("pv2luks:flatten:" + stack.crypt.name, volume_key);
  LayerPlan plan =
      plan_flatten(stack.crypt, stack.lvs, KeyRef::keyring(volume_key.size_bytes(), key.description()));
  // Negative control for the tests: the first LV's first segment with its IV
  // offset skewed, as a wrong flatten would make it.
  if (const auto skew = test_number("PV2LUKS_TEST_FLATTEN_IV_SKEW"); skew && !plan.tables.empty()) {
    std::get<CryptParams>(plan.tables[0].second.targets[0].params).iv_offset_sectors += *skew;
  }
  return swap_all(plan);
}

std::vector<std::string> unflatten_stack(const LiveStack& stack) {
  return swap_all(plan_unflatten(stack.crypt, stack.lvs));
}

}  // namespace pv2luks
