#include "offline/decrypting_reader.h"

#include <cstring>
#include <vector>

namespace pv2luks {

ReadAt decrypting_reader(const RangeFile& file, XtsCipher& cipher, std::uint64_t data_offset_bytes) {
  return [&file, &cipher, data_offset_bytes](std::uint64_t at, std::span<std::uint8_t> out) {
    const std::uint64_t sector = cipher.sector_bytes();
    const std::uint64_t first = at / sector * sector;
    const std::uint64_t end = (at + out.size() + sector - 1) / sector * sector;
    std::vector<std::uint8_t> block(end - first);
    file.reader()(data_offset_bytes + first, block);
    cipher.decrypt(block, first / 512);
    std::memcpy(out.data(), block.data() + (at - first), out.size());
  };
}

}  // namespace pv2luks
