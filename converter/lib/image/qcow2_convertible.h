// Whether a qcow2 image may be converted in place: what an in-place
// conversion through QEMU's block layer would leave behind in the file, or
// seal under the encryption. Checked on the image file before the export
// starts, for a conversion and for its dry run:
//
// - internal snapshots (qcow2_snapshots.h) each keep the disk as it was;
//   the conversion encrypts the current disk only, so their plaintext would
//   stay (`qemu-img snapshot -a` brings it back). Refused, naming them, with
//   the commands that delete them or copy the image without them.
// - `qemu-img check` (qemu_img_check.h): corruptions, or a check that cannot
//   complete, are refused: the conversion would encrypt lost or misplaced
//   data as if it were the disk's, and QEMU's check would come out clean
//   afterwards (a file cut short is named as such). Leaked clusters are
//   harmless to the conversion: a note, saying they may hold old data that
//   stays as it is.
// - compressed clusters (qcow2_compressed.h): QEMU writes a rewritten
//   compressed cluster elsewhere and frees the old one without erasing it,
//   so the compressed plaintext would stay in the file. Refused, with the
//   command for an uncompressed copy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image/image_format.h"

namespace pv2luks {

// The checks above on the qcow2 file `path` of `file_size_bytes`, whose
// header is `header`. Returns the notes to show; an Error for a refusal.
std::vector<std::string> check_qcow2_convertible(const std::string& path,
                                                 const Qcow2Header& header,
                                                 std::uint64_t file_size_bytes);

}  // namespace pv2luks
