#include "offline/sparse_ranges.h"

#include <algorithm>

#include "base/error.h"
#include "base/round.h"
#include "base/sector.h"
#include "lvm/pv_metadata.h"
#include "offline/decrypting_reader.h"
#include "offline/offline_checks.h"

namespace pv2luks {

std::vector<SectorRange> free_extent_sectors(const PvReport& pv) {
  std::uint64_t extents = 0;
  for (const PvSegment& segment : pv.segments) extents += segment.size_extents;
  if (extents == 0) return {};
  const std::uint64_t extent_sectors = pv.pv_size_sectors / extents;
  std::vector<SectorRange> out;
  for (const PvSegment& segment : pv.segments) {
    if (!segment.lv_name.empty() || segment.segtype != "free") continue;
    const std::uint64_t start = pv.pe_start_sectors + segment.start_extents * extent_sectors;
    const std::uint64_t end = start + segment.size_extents * extent_sectors;
    if (!out.empty() && out.back().end_sectors == start) {
      out.back().end_sectors = end;
    } else {
      out.push_back({start, end});
    }
  }
  return out;
}

std::vector<SectorRange> allocated_sectors(const RangeFile& file, const SectorRange& range) {
  const auto extents = file.allocated({range.start_sectors * kSectorBytes,
                                       (range.end_sectors - range.start_sectors) * kSectorBytes});
  if (!extents) {
    Fail() << file.range().name() << " cannot say which of its ranges are allocated (a block "
           << "device, or an NBD export without block status): --sparse is for image files "
           << "(raw or qcow2); convert without --sparse";
  }
  std::vector<SectorRange> out;
  for (const ByteExtent& extent : *extents) {
    out.push_back({extent.offset_bytes / kSectorBytes,
                   round_up(extent.end_bytes(), kSectorBytes) / kSectorBytes});
  }
  return out;
}

std::vector<SectorRange> sparse_free_sectors(const RangeFile& file, const PvReport& pv,
                                             std::uint64_t move_sectors) {
  // Whether the image can tell at all: one block is enough to ask. The
  // mover asks about each chunk's source when it reads it.
  allocated_sectors(file, {0, std::min(move_sectors, kSparseBlockSectors)});
  std::vector<SectorRange> out;
  for (SectorRange range : free_extent_sectors(pv)) {
    range.end_sectors = std::min(range.end_sectors, move_sectors);
    if (range.start_sectors < range.end_sectors) out.push_back(range);
  }
  return out;
}

std::vector<SectorRange> resumed_free_sectors(const RangeFile& file, XtsCipher& cipher,
                                              const Plan& plan, std::uint64_t chunks_done) {
  const std::uint64_t moved_from_bytes =
      (chunks_done == 0 ? plan.input.move_sectors : plan.chunk(chunks_done - 1).start_sectors) *
      kSectorBytes;
  const ReadAt in_place = file.reader();
  const ReadAt moved =
      decrypting_reader(file, cipher, plan.input.data_offset_sectors * kSectorBytes);
  const ReadAt pv_now = [&](std::uint64_t offset_bytes, std::span<std::uint8_t> out) {
    const std::size_t below =
        offset_bytes < moved_from_bytes
            ? static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), moved_from_bytes - offset_bytes))
            : 0;
    if (below > 0) in_place(offset_bytes, out.first(below));
    if (below < out.size()) moved(offset_bytes + below, out.subspan(below));
  };
  const std::uint64_t size_bytes = file.range().size_bytes;
  const PvReport pv = pv_report_of(read_pv(pv_now, size_bytes), size_bytes);
  return sparse_free_sectors(file, pv, plan.input.move_sectors);
}

}  // namespace pv2luks
