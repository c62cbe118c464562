// lvm-read-tool IMAGE_OR_DEVICE OFFSET_BYTES SIZE_BYTES
// Reads the PV that lies at OFFSET_BYTES of IMAGE_OR_DEVICE straight from its
// bytes (libpv2luks lvm/: no lvm tools, no device-mapper) and prints
//   vg <vg> <extent_size_bytes> <pe_count>            as the harness manifest
//   pv-on-disk <pe_start_bytes> <pv_size_bytes> <allocated_end_bytes>
//   lv <vg>/<lv> <sha256> <size_bytes>                 as the harness manifest
//   skip <vg>/<lv> <reason>
// Built for the host tests only; exit 1 and the error on stderr on failure.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

#include "base/error.h"
#include "base/fd.h"
#include "lvm/lv_checksums.h"
#include "lvm/pv_metadata.h"

namespace {

using pv2luks::Fail;

std::uint64_t parse_bytes(const char* text, const char* what) {
  try {
    std::size_t used = 0;
    const std::uint64_t value = std::stoull(text, &used);
    if (used == std::strlen(text)) return value;
  } catch (const std::exception&) {
  }
  Fail() << what << " '" << text << "' is not a number of bytes";
}

// Reads the file behind `fd` through pread, `base` bytes in; errors name the
// byte (main names the file).
pv2luks::ReadAt file_reader(const pv2luks::Fd& fd, std::uint64_t base) {
  return [&fd, base](std::uint64_t offset, std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
      const std::uint64_t at = base + offset + done;
      const ssize_t got =
          ::pread(fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(at));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) Fail() << "read at byte " << at << " failed: " << std::strerror(errno);
      if (got == 0) Fail() << "read at byte " << at << " failed: end of file";
      done += static_cast<std::size_t>(got);
    }
  };
}

int run(const std::string& path, std::uint64_t offset_bytes, std::uint64_t size_bytes) {
  const pv2luks::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) Fail() << "open failed: " << std::strerror(errno);
  const pv2luks::ReadAt read = file_reader(fd, offset_bytes);
  const pv2luks::PvOnDisk pv = pv2luks::read_pv(read, size_bytes);
  std::cout << "vg " << pv.vg.name << " " << pv.extent_size_bytes() << " " << pv.pe_count() << "\n";
  std::cout << "pv-on-disk " << pv.pe_start_bytes << " "
            << pv.meta().dev_size_sectors * pv2luks::kSectorBytes << " "
            << pv2luks::allocated_end_bytes(pv) << "\n";
  for (const pv2luks::LvChecksum& lv : pv2luks::checksum_lvs(read, pv)) {
    std::cout << pv2luks::lv_checksum_line(lv) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: lvm-read-tool IMAGE_OR_DEVICE OFFSET_BYTES SIZE_BYTES\n";
    return 2;
  }
  try {
    return run(argv[1], parse_bytes(argv[2], "OFFSET_BYTES"), parse_bytes(argv[3], "SIZE_BYTES"));
  } catch (const pv2luks::Error& e) {
    std::cerr << "lvm-read-tool: " << argv[1] << ": " << e.what() << "\n";
    return 1;
  }
}
