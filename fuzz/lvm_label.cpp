// lvm/ondisk_label and lvm/pv_metadata: a PV read straight from its bytes,
// as offline conversion and `verify --offline` read it (read_pv: the label
// and pv_header, each metadata area's header and text, the newest VG
// metadata), then the byte ranges of its LVs.
//
// Input: a flag byte (bit 0: recompute LVM's checksums of the labels, the
// metadata area headers and their texts), then the first bytes of a 64 MiB
// PV whose other bytes are zeros.
#include <vector>

#include "checksums.h"
#include "fuzz_glue.h"
#include "pv_invariants.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr std::uint64_t kPvBytes = 64 << 20;
  std::vector<std::uint8_t> head(data + 1, data + size);
  if (data[0] & 1) fix_lvm_checksums(head);
  refused([&] { check_pv(read_pv(memory_reader(head, kPvBytes), kPvBytes), kPvBytes); });
  return 0;
}
