#include "live/mapping_names.h"

#include <filesystem>

namespace pv2luks {

MappingNames mapping_names(const std::string& canonical_path) {
  MappingNames names;
  names.base_name = std::filesystem::path(canonical_path).filename().string();
  names.intermediate = names.base_name + "_crypt";
  names.crypt_full = "pv2luks-" + names.base_name + "-full";
  return names;
}

}  // namespace pv2luks
