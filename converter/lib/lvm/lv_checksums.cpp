#include "lvm/lv_checksums.h"

#include <algorithm>

#include "base/sha256.h"

namespace pv2luks {

namespace {

std::string sha256_of_ranges(const ReadAt& read, const std::vector<PvByteRange>& ranges,
                             std::vector<std::uint8_t>& block) {
  Sha256 sha;
  for (const PvByteRange& range : ranges) {
    for (std::uint64_t done = 0; done < range.length_bytes;) {
      const std::uint64_t size_bytes =
          std::min<std::uint64_t>(block.size(), range.length_bytes - done);
      const std::span<std::uint8_t> chunk(block.data(), size_bytes);
      read(range.offset_bytes + done, chunk);
      sha.update(chunk.data(), chunk.size());
      done += size_bytes;
    }
  }
  return sha.hex();
}

}  // namespace

std::vector<LvChecksum> checksum_lvs(const ReadAt& read, const PvOnDisk& pv) {
  std::vector<std::uint8_t> block(kChecksumBlockBytes);
  std::vector<LvChecksum> out;
  for (const LvOnPv& lv : lvs_on_pv(pv)) {
    LvChecksum checksum{lv.vg, lv.lv, "", lv.size_bytes, lv.skip_reason};
    if (lv.skip_reason.empty()) checksum.sha256 = sha256_of_ranges(read, lv.ranges, block);
    out.push_back(std::move(checksum));
  }
  return out;
}

std::string lv_checksum_line(const LvChecksum& checksum) {
  const std::string name = checksum.vg + "/" + checksum.lv;
  if (!checksum.skip_reason.empty()) return "skip " + name + " " + checksum.skip_reason;
  return "lv " + name + " " + checksum.sha256 + " " + std::to_string(checksum.size_bytes);
}

}  // namespace pv2luks
