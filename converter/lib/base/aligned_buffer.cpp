#include "base/aligned_buffer.h"

#include <cstdlib>
#include <cstring>

#include "base/error.h"

namespace pv2luks {

namespace {
constexpr std::size_t kAlignmentBytes = 4096;
}

void AlignedBuffer::Free::operator()(std::uint8_t* p) const { std::free(p); }

AlignedBuffer::AlignedBuffer(std::size_t size_bytes) : size_(size_bytes) {
  void* p = nullptr;
  if (::posix_memalign(&p, kAlignmentBytes, size_bytes ? size_bytes : kAlignmentBytes) != 0) {
    Fail(RefuseReason::kOutOfMemory) << "out of memory for a " << size_bytes << "-byte I/O buffer";
  }
  std::memset(p, 0, size_bytes);
  data_.reset(static_cast<std::uint8_t*>(p));
}

}  // namespace pv2luks
