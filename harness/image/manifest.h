// OUT.manifest of an image build: one record per line, fields separated by
// one space, so Python's split() and shell's read take it apart:
//   image <sha256> <size_bytes>                       the raw guest-visible disk
//   part <number> <sha256> <start_bytes> <size_bytes>  each non-PV partition
//   pv <number|0> <start_bytes> <size_bytes> <pe_start_bytes> <pv_size_bytes> <tail_room_bytes>
//   vg <vg> <extent_size_bytes> <pe_count>
//   lv <vg>/<lv> <sha256> <size_bytes>                 sorted; same as `checksum` prints
//   seg <vg>/<lv> <offset_bytes> <length_bytes>        where the LV lies in the disk, in order
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image/geometry.h"

namespace harness {

struct ManifestPart {
  PartitionPlacement placement;
  std::string sha256;
};

struct ManifestLv {
  std::string vg;
  std::string name;
  std::string sha256;
  std::uint64_t size_bytes = 0;
  std::vector<ByteRange> ranges;
};

struct Manifest {
  std::string image_sha256;
  std::uint64_t image_size_bytes = 0;
  std::vector<ManifestPart> parts;
  PvPlacement pv;
  std::string vg;
  std::vector<ManifestLv> lvs;
};

// "lv <vg>/<lv> <sha256> <size_bytes>", the line `checksum` prints too.
std::string lv_line(const std::string& vg, const std::string& lv, const std::string& sha256,
                    std::uint64_t size_bytes);

// The manifest text, LVs sorted by vg/lv.
std::string format_manifest(const Manifest& manifest);

}  // namespace harness
