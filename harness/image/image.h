// pv2luks-harness image build and checksum: disk images from layout specs,
// and the sha256 of every LV.
#pragma once

#include <string>
#include <vector>

namespace harness {

// `words` after "image". Returns the exit code.
int image_command(const std::vector<std::string>& words);

// `words` after "checksum". Returns the exit code.
int checksum_command(const std::vector<std::string>& words);

}  // namespace harness
