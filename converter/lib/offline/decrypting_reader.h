// A LUKS data area read in userspace: ciphertext from the partition,
// plaintext out, as dm-crypt would give it. For `verify --offline`.
#pragma once

#include <cstdint>

#include "base/read_at.h"
#include "crypto/xts.h"
#include "base/range_file.h"

namespace pv2luks {

// Reads [data_offset_bytes, end) of `file` and decrypts with `cipher`; byte 0
// of the result is the data area's first byte. Any offset and size: whole
// encryption sectors are read and decrypted, the asked-for bytes copied.
// `file` and `cipher` must outlive the reader.
ReadAt decrypting_reader(const RangeFile& file, XtsCipher& cipher, std::uint64_t data_offset_bytes);

}  // namespace pv2luks
