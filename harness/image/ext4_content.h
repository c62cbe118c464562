// ext4 content: a file system image, made by mkfs.ext4 -d from a staging
// directory of files whose names, sizes and bytes all come from a seed. UUID,
// hash seed and times are fixed too, so the same seed and size give the same
// image bytes on every build.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace harness {

struct StagedFile {
  std::string relative_path;  // "dir1/file0005.bin"
  std::uint64_t size_bytes = 0;
};

// The files for a file system of fs_size_bytes: about a quarter of it, in four
// directories. Pure.
std::vector<StagedFile> plan_staged_files(std::uint64_t fs_size_bytes, std::uint64_t seed);

// "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx" from the seed and a purpose number.
std::string seeded_uuid(std::uint64_t seed, std::uint64_t purpose);

// Makes SCRATCH/<label>.ext4 of fs_size_bytes and returns its path.
std::string make_ext4_image(const std::string& scratch_dir, const std::string& label,
                            std::uint64_t fs_size_bytes, std::uint64_t seed);

void remove_ext4_image(const std::string& path);

}  // namespace harness
