// Is this a LUKS volume? The one answer pv2luks gives, with the semantics of
// blkid's luks prober (libblkid's superblocks/luks.c):
//   - the primary header at byte 0: the magic "LUKS\xba\xbe" and a version
//     (big-endian u16 after it) of 1 or 2; a LUKS2 header also names its own
//     offset, 0;
//   - failing that, a LUKS2 secondary header: the magic "SKUL\xba\xbe",
//     version 2, at one of the offsets where LUKS2 puts it (16 KiB, 32 KiB,
//     ... 4 MiB: after the primary's JSON area) and naming that offset. A
//     LUKS2 volume whose primary header was overwritten or torn is found so.
// "SKUL" at byte 0 is nothing: no secondary header lives there.
#pragma once

#include <cstdint>

#include "base/read_at.h"

namespace pv2luks {

// The LUKS version (1 or 2) of the header `read` finds on a device of
// `size_bytes` bytes; 0 when there is none.
unsigned probe_luks(const ReadAt& read, std::uint64_t size_bytes);

}  // namespace pv2luks
