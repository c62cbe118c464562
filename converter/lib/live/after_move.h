// What the system needs once the volume is LUKS: the crypttab line (written
// with --update-crypttab), LVM told where the PV now is, and what the
// initramfs needs. None of it touches the converted data; failures here are
// reported as advice, not as a failed conversion.
#pragma once

#include <string>
#include <vector>

#include "pv2luks/pv2luks.h"

namespace pv2luks {

// Returns the lines to show the user, in order.
std::vector<std::string> after_move(const ConvertOptions& options, const std::string& mapping,
                                    const std::string& uuid, const std::string& crypttab);

}  // namespace pv2luks
