#include "convert/front_header.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "base/error.h"
#include "base/fd.h"
#include "base/test_point.h"
#include "luks/error.h"

namespace pv2luks {

namespace {

void pwrite_all(const Fd& fd, const std::string& device, const std::uint8_t* data,
                std::size_t size, std::uint64_t offset_bytes) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t wrote =
        ::pwrite(fd.get(), data + done, size - done, static_cast<off_t>(offset_bytes + done));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) Fail() << device << ": writing the LUKS header failed: " << errno_text(errno);
    done += static_cast<std::size_t>(wrote);
  }
}

}  // namespace

void write_front_header(const std::vector<std::uint8_t>& header, const std::string& device,
                        std::uint64_t base_offset_bytes) {
  Fd fd(::open(device.c_str(), O_WRONLY | O_CLOEXEC | O_SYNC));
  if (!fd) Fail() << device << ": open for the header failed: " << errno_text(errno);
  const std::size_t half = header.size() / 2;
  // Two writes, with a test point between them: a crash there leaves the
  // front half new and the back half old, as a torn write would.
  pwrite_all(fd, device, header.data(), half, base_offset_bytes);
  test_point("header-half");
  const bool torn = test_hook(TestHook::TornHeader).has_value();
  if (!torn) {
    pwrite_all(fd, device, header.data() + half, header.size() - half, base_offset_bytes + half);
  }
  if (::fsync(fd.get()) != 0) {
    Fail() << device << ": writing the LUKS header failed: fsync: " << errno_text(errno);
  }
  if (torn) {
    test_point("header-torn");
    Fail() << "test hook: stopped after half the LUKS header";
  }
}

}  // namespace pv2luks
