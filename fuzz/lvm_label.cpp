// lvm/ondisk_label and lvm/pv_metadata: a PV read straight from its bytes,
// as offline conversion and `verify --offline` read it (read_pv: the label
// and pv_header, each metadata area's header and text, the newest VG
// metadata), then the byte ranges of its LVs; and the probes that say "a PV"
// and "LUKS" of the same bytes (base/probe_lvm_label.h, base/probe_luks.h):
// they read only inside the device, never throw, and the probe finds a label
// wherever the label reader accepts one (in that sector or an earlier one).
//
// Input: a flag byte (bit 0: recompute LVM's checksums of the labels, the
// metadata area headers and their texts), then the first bytes of a 64 MiB
// PV whose other bytes are zeros.
#include <vector>

#include "base/probe_luks.h"
#include "base/probe_lvm_label.h"
#include "checksums.h"
#include "fuzz_glue.h"
#include "lvm/ondisk_label.h"
#include "pv_invariants.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr std::uint64_t kPvBytes = 64 << 20;
  std::vector<std::uint8_t> head(data + 1, data + size);
  if (data[0] & 1) fix_lvm_checksums(head);
  const ReadAt read = memory_reader(head, kPvBytes);
  const unsigned luks = probe_luks(read, kPvBytes);
  require(luks == 0 || luks == 1 || luks == 2, "a LUKS version other than 1 or 2");
  const std::optional<std::uint64_t> probed = probe_lvm_label(read, kPvBytes);
  require(!probed || *probed < kLvmLabelScanSectors, "a label past sector 3");
  refused([&] {
    const PvLabel label = read_pv_label(read, kPvBytes);
    require(probed && *probed <= label.label_sector, "the label reader accepts what the probe does not");
  });
  refused([&] { check_pv(read_pv(read, kPvBytes), kPvBytes); });
  return 0;
}
