#include "convert/front_header.h"

#include <memory>
#include <span>

#include "base/error.h"
#include "base/test_point.h"

namespace pv2luks {

void write_front_header(const std::vector<std::uint8_t>& header, const BlockSource& device,
                        std::uint64_t base_offset_bytes) {
  // One flush for the whole header, after both halves: their order on the
  // disk does not matter, since until the commit after this a resume writes
  // the whole header again from the journal's staged copy.
  const std::shared_ptr<BlockIo> io = device.open({.writable = true, .purpose = "the header"});
  const std::span<const std::uint8_t> bytes(header);
  const std::size_t half = header.size() / 2;
  const bool torn = test_hook(TestHook::TornHeader).has_value();
  try {
    // Two writes, with a test point between them: a crash there leaves the
    // front half new and the back half old, as a torn write would (the
    // torn-header hook makes that half durable first, for a power cut).
    io->write(base_offset_bytes, bytes.first(half));
    if (torn) io->flush();
    test_point("header-half");
    if (!torn) io->write(base_offset_bytes + half, bytes.subspan(half));
    io->flush();
  } catch (const Error& e) {
    Fail() << "writing the LUKS header failed: " << e.what();
  }
  if (torn) {
    test_point("header-torn");
    Fail() << "test hook: stopped after half the LUKS header";
  }
}

void write_front_header(const std::vector<std::uint8_t>& header, const std::string& device,
                        std::uint64_t base_offset_bytes) {
  write_front_header(header, *file_block_source(device, false), base_offset_bytes);
}

}  // namespace pv2luks
