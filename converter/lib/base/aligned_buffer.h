// A heap buffer aligned for O_DIRECT (4 KiB), zeroed, freed with its owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace pv2luks {

class AlignedBuffer {
 public:
  explicit AlignedBuffer(std::size_t size_bytes);
  std::span<std::uint8_t> span() { return {data_.get(), size_}; }
  std::uint8_t* data() { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(std::uint8_t* p) const;
  };
  std::unique_ptr<std::uint8_t, Free> data_;
  std::size_t size_ = 0;
};

}  // namespace pv2luks
