// pv2luks-harness checksum --offline: the manifest's lv lines for a plaintext
// raw or qcow2 image, on the host, without device-mapper. A qcow2 image is
// first copied to a raw temporary file by `qemu-img convert`; the PV's area (a
// partition, or the whole disk) gets a read-only loop device; LVM's own
// reports on that device alone (activation off, lvm_setup's read_lvm_layout)
// say where each LV's extents lie, and those bytes are hashed from the loop
// device. Nothing here uses the converter's own readers, so it can check them;
// only the choice of the area to read asks the one LVM-label probe
// (base/probe_lvm_label.h), as blkid would.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// Where a PV may be: partition `number` (0: the whole disk).
struct DiskArea {
  int number = 0;
  std::uint64_t start_bytes = 0;
  std::uint64_t size_bytes = 0;
  bool has_pv_label = false;
};

inline constexpr std::size_t kLvmLabelScanBytes = 4 * 512;  // LVM looks in sectors 0-3

// True when one of the 512-byte sectors in `first_bytes` (up to four) holds an
// LVM2 label as blkid finds one ("LABELONE" naming its own sector, type
// "LVM2 001").
bool has_lvm2_label(std::string_view first_bytes);

// The area to read: partition `partition` when given (0: the whole disk),
// otherwise the one area with a PV label. Error(kExitUsage) when there is
// none, more than one, no such partition, or the one named has no PV label.
DiskArea choose_pv_area(const std::vector<DiskArea>& areas, std::optional<int> partition,
                        const std::string& image);

// The sorted "lv <vg>/<lv> <sha256> <size_bytes>" lines of the image's LVs.
std::vector<std::string> checksum_offline(const std::string& image,
                                          std::optional<int> partition);

}  // namespace harness
