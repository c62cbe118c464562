// The content of an LV or partition, written straight into its byte ranges of
// the image: "zero" (holes), "random" (SeededBytes of the seed) or "ext4" (a
// file system image made by mkfs.ext4 from seeded files, see ext4_content.h).
#pragma once

#include <string>
#include <vector>

#include "image/geometry.h"
#include "image/image_file.h"
#include "image/layout_spec.h"

namespace harness {

// `scratch_dir` holds temporary files (the ext4 image); `label` names the LV or
// partition in messages. The ranges' total length is the content's size.
void write_content(ImageFile& image, const ContentSpec& content,
                   const std::vector<ByteRange>& ranges, const std::string& scratch_dir,
                   const std::string& label);

std::uint64_t total_length_bytes(const std::vector<ByteRange>& ranges);

}  // namespace harness
