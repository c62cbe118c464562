// The live conversion plan: geometry in, an ordered chunk schedule out. Pure:
// no I/O. The dm tables for each step are in plan/step_tables.h.
//
// Two address spaces, both in 512-byte dm sectors:
//   - the device: the PV's partition or disk, device_sectors long. The PV area
//     is its first move_sectors (pe_start + pv_size); after it is the tail room.
//   - the intermediate device: a dm device of move_sectors that LVM uses instead
//     of the partition while the data moves. Its sector s is plaintext at device
//     sector s before the move and ciphertext at device sector
//     data_offset + s with IV s after it: exactly what opening the finished
//     LUKS volume (data offset = data_offset_sectors) gives.
//
// Chunks move from the END toward the start, so a chunk's destination
// [data_offset + start, data_offset + end) never lands on plaintext that has not
// moved yet: it starts at or after `end` because chunk_sectors <= data_offset.
// In particular the source of the chunk in flight is never written by its own
// copy, so a copy cut short can always be redone from the same source.
//
// Chunk k covers [max(0, end_k - chunk_sectors), end_k), end_k = move - k * chunk:
// full chunks from the end; the remainder (move_sectors % chunk_sectors), if any,
// is the LAST chunk, at the front, as in the 2007 script. Any move_sectors that
// is a multiple of the alignment works; there is no "multiple of chunk" limit.
// Why the front: it is the 2007 script's schedule ("cursor -= chunk, clamp at
// 0"), the one reproduced in the lab, and it keeps chunk_count() and chunk(k)
// one line each. The choice does not affect safety: both placements keep the
// rule above, and the tests check it for every step and sector.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dm/dm_table.h"

namespace pv2luks {

// Regions of 1024 sectors copied faster than dm-mirror's minimum of 8 when
// measured in the lab guest.
inline constexpr std::uint64_t kDefaultMirrorRegionSectors = 1024;

struct PlanInput {
  std::uint64_t move_sectors = 0;         // PV area to shift: pe_start + pv_size
  std::uint64_t device_sectors = 0;       // the whole partition or disk
  std::uint64_t data_offset_sectors = 0;  // LUKS header size = its data offset
  std::uint64_t chunk_sectors = 0;        // 0: data_offset_sectors; never more
  std::uint32_t sector_bytes = kSectorBytes;  // the device's logical sector
  std::uint64_t region_sectors = kDefaultMirrorRegionSectors;  // 0: the default
};

struct Chunk {
  std::uint64_t start_sectors = 0;  // in the intermediate device (= in the device)
  std::uint64_t length_sectors = 0;
  std::uint64_t region_sectors = 0;  // the mirror region while this chunk moves

  std::uint64_t end_sectors() const { return start_sectors + length_sectors; }
  bool operator==(const Chunk&) const = default;
};

struct Plan {
  PlanInput input;                     // as given
  std::uint64_t chunk_sectors = 0;     // input.chunk_sectors, default applied
  std::uint64_t region_sectors = 0;    // input.region_sectors, default applied
  // Every chunk boundary is a multiple of this: a dm mirror region (8) and a
  // logical sector (sector_bytes / 512), whichever is larger.
  std::uint64_t alignment_sectors = 0;
  // Why the conversion cannot run; empty when it can. With problems the plan
  // has no chunks.
  std::vector<std::string> problems;

  bool ok() const { return problems.empty(); }
  std::uint64_t tail_room_sectors() const;
  // Chunks in the order they move; 0 unless ok().
  std::uint64_t chunk_count() const;
  // Chunk k, k < chunk_count(); throws std::out_of_range otherwise. Computed,
  // not stored: a plan takes constant memory whatever the PV's size.
  Chunk chunk(std::uint64_t k) const;
};

// The bytes the first `chunks_done` chunks cover: how far a move has come.
std::uint64_t moved_bytes(const Plan& plan, std::uint64_t chunks_done);

// Checks the geometry and fixes the schedule. Never throws for bad input: it
// says what is wrong in plan.problems.
Plan make_plan(const PlanInput& input);

// The mirror region for a chunk: the largest power of two that is at most both
// the requested region and the chunk. A valid dm mirror region as long as the
// chunk has at least kMinMirrorRegionSectors, which aligned chunks have.
std::uint64_t mirror_region_for(std::uint64_t chunk_length_sectors,
                                std::uint64_t requested_region_sectors);

// What dm mirror status shows as "N/N" when a mirror of this length is in sync:
// it counts regions, not sectors (the last region may be partial).
std::uint64_t expected_mirror_regions(std::uint64_t length_sectors, std::uint64_t region_sectors);

}  // namespace pv2luks
