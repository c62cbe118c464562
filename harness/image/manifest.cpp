#include "image/manifest.h"

#include <algorithm>
#include <sstream>

namespace harness {

std::string lv_line(const std::string& vg, const std::string& lv, const std::string& sha256,
                    std::uint64_t size_bytes) {
  return "lv " + vg + "/" + lv + " " + sha256 + " " + std::to_string(size_bytes);
}

std::string format_manifest(const Manifest& manifest) {
  std::ostringstream out;
  out << "image " << manifest.image_sha256 << " " << manifest.image_size_bytes << "\n";
  for (const ManifestPart& part : manifest.parts) {
    out << "part " << part.placement.number << " " << part.sha256 << " "
        << part.placement.start_bytes << " " << part.placement.size_bytes << "\n";
  }
  const PvPlacement& pv = manifest.pv;
  out << "pv " << pv.area.number << " " << pv.area.start_bytes << " " << pv.area.size_bytes << " "
      << pv.pe_start_bytes << " " << pv.pv_size_bytes << " " << pv.tail_room_bytes() << "\n";
  out << "vg " << manifest.vg << " " << pv.extent_size_bytes << " " << pv.pe_count << "\n";
  std::vector<ManifestLv> lvs = manifest.lvs;
  std::sort(lvs.begin(), lvs.end(), [](const ManifestLv& a, const ManifestLv& b) {
    return a.vg + "/" + a.name < b.vg + "/" + b.name;
  });
  for (const ManifestLv& lv : lvs) out << lv_line(lv.vg, lv.name, lv.sha256, lv.size_bytes) << "\n";
  for (const ManifestLv& lv : lvs) {
    for (const ByteRange& range : lv.ranges) {
      out << "seg " << lv.vg << "/" << lv.name << " " << range.offset_bytes << " "
          << range.length_bytes << "\n";
    }
  }
  return out.str();
}

}  // namespace harness
