// Compressed clusters in a qcow2 image (`qemu-img convert -c`), found by
// walking the active L1 table and every L2 table it points to: an L2 entry
// with bit 62 set maps a compressed cluster. Snapshots' tables are not
// walked. Pure, through a ReadAt; reads at most each distinct L2 table once,
// so never more than the file holds. Tables that cannot be (an L2 table past
// the end of the file or not on a cluster boundary, reserved bits set, an L1
// table too short for the disk) are an Error saying the image is damaged.
#pragma once

#include <cstdint>
#include <string>

#include "base/read_at.h"
#include "image/image_format.h"

namespace pv2luks {

struct CompressedClusters {
  std::uint64_t count = 0;
  std::uint64_t first_guest_offset_bytes = 0;  // of the first one, when count > 0
};

CompressedClusters find_compressed_clusters(const ReadAt& read, const Qcow2Header& header,
                                            std::uint64_t file_size_bytes,
                                            const std::string& path);

}  // namespace pv2luks
