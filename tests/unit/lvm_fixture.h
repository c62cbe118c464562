// A real PV for the lvm/ unit tests, from tests/unit/data/lvm/: the first
// sectors, the metadata area header and the metadata text that LVM 2.03.16
// wrote on /dev/loop0 of a two-PV VG (see data/lvm/README), placed into a
// 64 MiB memory image at the offsets they came from.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/read_at.h"

namespace pv2luks::lvm_fixture {

inline constexpr std::uint64_t kPvBytes = 64 << 20;
inline constexpr std::uint64_t kMdaStartBytes = 4096;      // the label's metadata area
inline constexpr std::uint64_t kMdaSizeBytes = 0xff000;    // its size
inline constexpr std::uint64_t kTextOffsetBytes = 0x5800;  // slot 0 of its header
inline constexpr std::uint64_t kPeStartBytes = 1 << 20;
inline constexpr std::uint64_t kExtentBytes = 1 << 20;

inline std::string read_data(const std::string& name) {
  // A path from CMake (tests/CMakeLists.txt): __FILE__ no longer names the
  // checkout (-ffile-prefix-map in the top-level CMakeLists.txt).
  const auto path = std::filesystem::path(PV2LUKS_UNIT_DATA_DIR) / "lvm" / name;
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail() << path.string() << ": open failed";
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void put(std::vector<std::uint8_t>& image, std::uint64_t offset, const std::string& bytes) {
  std::memcpy(image.data() + offset, bytes.data(), bytes.size());
}

// The captured PV; its extents hold bytes that differ in every extent.
inline std::vector<std::uint8_t> pv_image() {
  std::vector<std::uint8_t> image(kPvBytes);
  std::uint64_t state = 12345;
  for (std::uint64_t i = kPeStartBytes; i < kPvBytes; i += sizeof(state)) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    std::memcpy(image.data() + i, &state, sizeof(state));
  }
  put(image, 0, read_data("pv0-label-sectors.bin"));
  put(image, kMdaStartBytes, read_data("pv0-mda-header.bin"));
  put(image, kMdaStartBytes + kTextOffsetBytes, read_data("pv0-metadata.txt"));
  return image;
}

inline ReadAt memory_reader(const std::vector<std::uint8_t>& image) {
  return [&image](std::uint64_t offset, std::span<std::uint8_t> out) {
    if (offset > image.size() || out.size() > image.size() - offset) {
      Fail() << "memory image: read of " << out.size() << " bytes at " << offset << " past its end";
    }
    std::memcpy(out.data(), image.data() + offset, out.size());
  };
}

}  // namespace pv2luks::lvm_fixture
