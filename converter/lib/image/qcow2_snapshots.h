// The internal snapshots of a qcow2 image (`qemu-img snapshot -c`), read
// from its snapshot table: the header's nb_snapshots entries at
// snapshots_offset, each a fixed part, extra data, the id and the name,
// padded to 8 bytes. Pure, through a ReadAt. Bytes that cannot be a snapshot
// table (an entry past the end of the file, more entries or extra data than
// QEMU allows) are an Error saying the image is damaged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/read_at.h"
#include "image/image_format.h"

namespace pv2luks {

// QEMU's limits (block/qcow2.h).
inline constexpr std::uint32_t kQcow2MaxSnapshots = 65536;
inline constexpr std::uint32_t kQcow2MaxSnapshotExtraBytes = 1024;

struct Qcow2Snapshot {
  std::string id;
  std::string name;
};

// The snapshots of the qcow2 file `path` of `file_size_bytes`, in table order.
std::vector<Qcow2Snapshot> read_qcow2_snapshots(const ReadAt& read, const Qcow2Header& header,
                                                std::uint64_t file_size_bytes,
                                                const std::string& path);

}  // namespace pv2luks
