// A disk image file open for reading and writing by byte offset.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image/geometry.h"

namespace harness {

class ImageFile {
 public:
  // Creates (or truncates) a sparse file of size_bytes.
  static ImageFile create(const std::string& path, std::uint64_t size_bytes);
  ImageFile(const std::string& path, int flags);
  ~ImageFile();
  ImageFile(ImageFile&& other) noexcept;
  ImageFile(const ImageFile&) = delete;
  ImageFile& operator=(const ImageFile&) = delete;

  const std::string& path() const { return path_; }
  void write_at(std::uint64_t offset_bytes, const void* data, std::size_t size_bytes);
  std::size_t read_at(std::uint64_t offset_bytes, void* data, std::size_t size_bytes);
  // Makes the range read as zeros, leaving holes where the file system can.
  void zero_at(std::uint64_t offset_bytes, std::uint64_t length_bytes);
  void close();           // errors reported
  void sync_and_close();  // fsync + close, errors reported

 private:
  std::string path_;
  int fd_ = -1;
};

// sha256 of the bytes of `ranges` of `path`, concatenated in order.
std::string sha256_ranges(const std::string& path, const std::vector<ByteRange>& ranges);

}  // namespace harness
