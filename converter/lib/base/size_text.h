// A size for messages, the one way pv2luks writes sizes: "16 MiB",
// "1.5 MiB", "16 KiB", "290 bytes".
#pragma once

#include <cstdint>
#include <string>

namespace pv2luks {

// Whole MiB (and 0) as "N MiB"; a whole number of KiB under 1 MiB as
// "N KiB"; any other size from 1 MiB up in MiB with a fraction ("1.5 MiB");
// the rest in bytes.
std::string size_text(std::uint64_t bytes);

}  // namespace pv2luks
