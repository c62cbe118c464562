// The VG's autoactivation while one of its PVs is half converted.
//
// Until the LUKS header is written, the partition still starts with the PV's
// old label and metadata, and part of its extents already hold ciphertext.
// After a power cut, the boot's udev rules and initramfs would activate the
// VG from the partition itself ("vgchange -aay") and mount half-encrypted
// LVs: reads of garbage, and writes that destroy moved chunks. So a live
// conversion turns the VG's autoactivation off before its first write and
// tags the VG, and turns it back on (removing the tag) once the header is
// durable. The tag records that pv2luks did it: a VG whose owner had turned
// autoactivation off keeps it off.
#pragma once

#include <string>
#include <vector>

namespace pv2luks {

inline constexpr char kConvertingTag[] = "pv2luks_converting";

struct VgActivation {
  std::string vg;
  bool autoactivation = false;  // LVM's vg_autoactivation
  bool converting_tag = false;  // kConvertingTag is on the VG
};

// The fields kVgActivationFields of one `pvs --noheadings --separator :` line.
VgActivation parse_vg_activation(const std::string& pvs_line);
extern const char kVgActivationFields[];

// What LVM says of the VG of the PV on `pv_device`.
VgActivation read_vg_activation(const std::string& pv_device);

// The vgchange that turns autoactivation off and tags the VG; empty when its
// autoactivation is already off.
std::vector<std::string> autoactivation_off_command(const VgActivation& vg);
// The vgchange that turns it back on and removes the tag; empty when the VG
// has no tag.
std::vector<std::string> autoactivation_restore_command(const VgActivation& vg);

// Runs autoactivation_restore_command for the VG on `pv_device`, if any.
// Returns the command run ("" when there was nothing to do).
std::string restore_autoactivation(const std::string& pv_device);

}  // namespace pv2luks
