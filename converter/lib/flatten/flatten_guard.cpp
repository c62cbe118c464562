#include "flatten/flatten_guard.h"

#include "base/error.h"
#include "base/process.h"
#include "dm/dm_device.h"
#include "flatten/layer_parse.h"
#include "lvm/vg_tags.h"

namespace pv2luks {

std::string guard_name(const std::string& crypt_name) { return "pv2luks-flat-" + crypt_name; }

bool guard_exists(const std::string& crypt_name) {
  return dm::info(guard_name(crypt_name)).exists;
}

void create_guard(const CryptLayer& crypt) {
  if (guard_exists(crypt.name)) return;
  std::string problem;
  const auto target =
      crypt.table.empty() ? std::nullopt : parse_crypt_target(crypt.table[0], problem);
  // One encryption sector: dm-crypt with 4096-byte sectors refuses less.
  const std::uint64_t length = target ? target->spec.sector_bytes / kSectorBytes : 0;
  if (!target || crypt.table[0].length_sectors < length) {
    Fail() << crypt.name << ": no crypt table to hold open";
  }
  const std::uint64_t last = crypt.table[0].length_sectors - length;
  dm::create(guard_name(crypt.name), "PV2LUKS-FLAT-" + crypt.name,
             {{0, length, "linear", crypt.device_number + " " + std::to_string(last)}});
}

void remove_guard(const std::string& crypt_name) {
  if (guard_exists(crypt_name)) dm::remove(guard_name(crypt_name));
}

bool vg_tagged(const std::string& vg) {
  const ProcessResult result = run_process({"vgs", "--noheadings", "-o", "vg_tags", vg});
  if (result.exit_code != 0) return false;
  return tags_include(result.out, kFlattenedTag);
}

void tag_vg(const std::string& vg, bool tagged) {
  run_checked({"vgchange", "--quiet", tagged ? "--addtag" : "--deltag", kFlattenedTag, vg});
}

}  // namespace pv2luks
