// The device-mapper names a live conversion gives a PV's device, from the
// device's own kernel name (the last component of its canonical path), never
// from a disk name and a partition number: /dev/vda5 (an msdos logical
// partition), /dev/nvme0n1p5 and /dev/mmcblk0p5 are named as they are.
// Pure.
#pragma once

#include <string>

namespace pv2luks {

struct MappingNames {
  std::string base_name;     // "vda5"
  std::string intermediate;  // "vda5_crypt": the final LUKS mapping's name too
  std::string crypt_full;    // "pv2luks-vda5-full"
};

// From a canonical device path ("/dev/vda5").
MappingNames mapping_names(const std::string& canonical_path);

}  // namespace pv2luks
