// The one way offline conversion opens what it converts: a raw image file,
// a block device or a qcow2 image, as a raw disk to read and write by offset,
// with other pv2luks (conversion_lock.h) and QEMU kept off it for as long as
// the view lives (image_lock.h; for qcow2 the export's daemon holds QEMU's
// locks, nbd_export.h). Its raw disk is read and written through base/block_io.h:
// file descriptors for raw images and devices, NBD for qcow2.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/block_io.h"
#include "image/image_format.h"

namespace pv2luks {

class ConversionLock;
class ImageLock;
class NbdExport;

// What a view is for. A conversion (and its dry run, which writes nothing
// but should refuse what the conversion would) checks a qcow2 image for what
// an in-place conversion must not meet (qcow2_convertible.h); reading
// (status, verify) does not.
enum class ImageUse { read, dry_run, convert };

class ImageView {
 public:
  ImageView(ImageView&&) noexcept;
  ImageView& operator=(ImageView&&) noexcept;
  ~ImageView();

  // What the user named.
  const std::string& image_path() const { return image_path_; }
  // Where to do I/O: the image itself, or the NBD export of a qcow2 image.
  const std::shared_ptr<const BlockSource>& source() const { return source_; }
  ImageFormat format() const { return format_; }
  std::uint64_t size_bytes() const { return size_bytes_; }
  // The block device's logical sector size; 512 for image files.
  std::uint32_t logical_sector_bytes() const { return logical_sector_bytes_; }
  bool writable() const { return writable_; }
  // What the caller should tell the user about the image (a qcow2 image's
  // leaked clusters); empty for most.
  const std::vector<std::string>& notes() const { return notes_; }

  // Ends the view: for qcow2, flushes and stops the export (an Error when the
  // flush or the daemon's end failed); then drops the lock. The destructor
  // does the same, ignoring errors. Drop every BlockIo opened from source()
  // first.
  void close();

 private:
  friend ImageView open_image(const std::string& path, ImageUse use);
  ImageView() = default;

  std::string image_path_;
  std::shared_ptr<const BlockSource> source_;
  ImageFormat format_ = ImageFormat::raw;
  std::uint64_t size_bytes_ = 0;
  std::uint32_t logical_sector_bytes_ = 0;
  bool writable_ = false;
  std::vector<std::string> notes_;
  std::unique_ptr<ConversionLock> conversion_lock_;
  std::unique_ptr<ImageLock> lock_;
  std::unique_ptr<NbdExport> export_;
};

// Opens `path` for offline conversion (read-write for ImageUse::convert).
// Errors, each naming the path: it does not exist; it is neither a regular
// file nor a block device; "PATH is read-only: ..." (no write permission bits,
// a read-only file system, a device the kernel marks read-only) when writable; "being converted
// by another pv2luks" (or, when writable, "being read by" one); "in use" (QEMU
// holds its lock, or a device is mounted or has active LVs); a qcow2 image that
// is damaged, truncated, encrypted or has a backing file (image_format.h); an
// image of another format QEMU opens (vmdk, vdi, vhdx, vpc, qed), with the
// qemu-img command that makes a qcow2 image of it; for
// a conversion or its dry run, a qcow2 image it must not convert in place
// (qcow2_convertible.h); the export failing to start.
ImageView open_image(const std::string& path, ImageUse use);

}  // namespace pv2luks
