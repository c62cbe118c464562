// lvm/metadata_text and lvm/pv_metadata: LVM's VG metadata text read into a
// volume group (parse_vg_metadata), then each of its PVs as a label listing
// it would make it (pv_on_disk, on a device of its dev_size), and the byte
// ranges of its LVs.
//
// Input: the metadata text.
#include <limits>

#include "fuzz_glue.h"
#include "lvm/metadata_text.h"
#include "pv_invariants.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  VgMeta vg;
  if (refused([&] { vg = parse_vg_metadata(text_of({data, size})); })) return 0;
  for (const PvMeta& meta : vg.pvs) {
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    if (meta.dev_size_sectors > kMax / kSectorBytes ||
        meta.pe_start_sectors > kMax / kSectorBytes) {
      continue;  // no label can say so
    }
    const std::uint64_t size_bytes = meta.dev_size_sectors * kSectorBytes;
    PvLabel label;
    label.pv_uuid = meta.id;
    label.device_size_bytes = size_bytes;
    label.data_areas = {{meta.pe_start_sectors * kSectorBytes, 0}};
    label.metadata_areas = {{4096, 4096}};
    refused([&] { check_pv(pv_on_disk(label, vg, size_bytes), size_bytes); });
  }
  return 0;
}
