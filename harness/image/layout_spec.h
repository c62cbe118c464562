// Layout specs (images/*.json): what disk `image build` makes. Pure parsing
// and validation, no I/O: a spec that passes load_layout() fits its disk, so
// the build can start writing files.
//
// Schema (sizes are strings or numbers as parse_size_bytes reads them: "64M", 4096):
//   {
//     "disk_size": "256M",                      required
//     "partition_table": "gpt"|"msdos"|"none",  required; none = whole-disk PV
//     "partitions": [                           gpt/msdos only; msdos at most 4 primaries
//       {"size": "16M"|"rest",                  required; "rest" only for the last one
//        "logical": true,                       msdos only, default false: see below
//        "type": "linux"|"lvm"|"swap",          default linux (lvm when "pv" is true)
//        "pv": true,                            exactly one partition holds the PV
//        "content": "zero"|"random"|"ext4",     non-PV partitions only; default zero
//        "seed": 1}                             default 0
//     ],
//     "pv": {"vg": "demo",                      required
//            "size": "200M" | "tail_room": "32M",  at most one; default: the whole area
//            "extent_size": "4M"},              default 4M; a power of two >= 4K
//     "lvs": [{"name": "root", "size": "64M",   required; size a multiple of extent_size
//              "segments": 2,                   default 1; see below
//              "content": "ext4", "seed": 1}]   as for partitions
//   }
// msdos "logical": true partitions come after every primary one; the build
// puts them in one extended partition (numbered after the primaries, so at
// most 3 primaries then) that starts 1 MiB before the first logical one and
// ends with the last; each logical partition has the 1 MiB before it for its
// EBR, and Linux numbers them 5, 6, ... in order.
// An LV with "segments": N is made of N non-adjacent runs of extents: the build
// puts a one-extent spacer LV after each run but the last, and removes all
// spacers once every LV exists, so the VG keeps those free one-extent holes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace harness {

enum class PartitionTable { gpt, msdos, none };
enum class ContentKind { zero, random, ext4 };
enum class PartitionType { linux, lvm, swap };

struct ContentSpec {
  ContentKind kind = ContentKind::zero;
  std::uint64_t seed = 0;
};

struct PartitionSpec {
  std::optional<std::uint64_t> size_bytes;  // nullopt: "rest" of the disk
  PartitionType type = PartitionType::linux;
  bool pv = false;
  ContentSpec content;
  bool logical = false;  // msdos: inside the extended partition
};

struct PvSpec {
  std::string vg;
  std::optional<std::uint64_t> size_bytes;       // as pvcreate --setphysicalvolumesize
  std::optional<std::uint64_t> tail_room_bytes;  // or: area size minus this
  std::uint64_t extent_size_bytes = 4 * 1024 * 1024;
};

struct LvSpec {
  std::string name;
  std::uint64_t size_bytes = 0;
  std::uint64_t segments = 1;
  ContentSpec content;
};

struct LayoutSpec {
  std::uint64_t disk_size_bytes = 0;
  PartitionTable table = PartitionTable::gpt;
  std::vector<PartitionSpec> partitions;
  PvSpec pv;
  std::vector<LvSpec> lvs;
};

// Spacer LVs of multi-segment LVs are named with this prefix; specs may not use it.
inline constexpr char kSpacerPrefix[] = "pv2luks-spacer-";

// Reads the JSON text of a spec and checks every field and that everything fits
// (see geometry.h). `origin` (the file name) starts every message. Throws
// Error(kExitUsage) listing every problem found, each with what to do.
LayoutSpec load_layout(const std::string& json_text, const std::string& origin);

// The problems of a spec's fields and of its fit, without throwing: empty when
// load_layout would accept it. `problems` of the JSON itself come first.
std::vector<std::string> layout_problems(const std::string& json_text, LayoutSpec& spec);

const char* content_name(ContentKind kind);

}  // namespace harness
